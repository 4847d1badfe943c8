//! `holdspace serve`: the listeners (plain, or HTTPS with ACME), the job runner, and the stop:
//! on SIGTERM or ctrl-c the process drains (no new connections, requests and room sockets and the
//! running job finished within a grace period) and exits.

use crate::config::Settings;
use crate::{acme, describe, logging, open};
use app::App;

pub(crate) async fn serve(settings: Settings, demo: bool) -> Result<(), String> {
    let app = open(&settings).await?;
    if demo {
        let login = app.load_demo().await.map_err(|e| describe(&e))?;
        let format = settings.log_format;
        logging::announce(
            format,
            &format!(
                "Demo practice loaded. Sign in at {} as {} with the password {}",
                app.link("/admin"),
                login.email,
                login.password
            ),
        );
        logging::announce(format, &format!("The second factor: add the TOTP secret {} to an authenticator app (the code now is {}).", login.totp_secret, app::two_factor::current_code(&login.totp_secret, app.now()).unwrap_or_default()));
    } else if app.needs_setup().await.map_err(|e| describe(&e))? {
        let link = app.create_setup_link().await.map_err(|e| describe(&e))?;
        logging::announce(
            settings.log_format,
            &format!("Create your practice with this link (it works once, for one hour): {link}"),
        );
    }
    let limits = connection_limits(&settings);
    let listener = match &settings.https {
        Some(_) => None,
        None => Some(
            tokio::net::TcpListener::bind(settings.listen)
                .await
                .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?,
        ),
    };
    let address = settings
        .https
        .as_ref()
        .map_or(settings.listen, |https| https.https_listen);
    tracing::info!(address = %address, public_url = %app.config().public_url, database = %settings.database_label(), "holdspace is serving");
    app.schedule_audit_checkpoint()
        .await
        .map_err(|e| describe(&e))?;
    let jobs = tokio::spawn(app.clone().run_jobs());
    let mut state = web::WebState::new(app.clone());
    state.trust_proxy = settings.trust_proxy;
    state.trusted_proxies = settings.trusted_proxies.clone();
    state.limits = limits;
    state.metrics_token = settings.metrics_token.clone();
    if let Some(address) = settings.metrics_listen {
        let metrics = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|e| format!("cannot listen on {address} (metrics_listen): {e}"))?;
        tracing::info!(address = %address, "metrics are served on their own address");
        let state = state.clone();
        // It ends with the process: nothing on it needs a graceful end.
        tokio::spawn(async move {
            if let Err(e) = web::serve_metrics(metrics, state, std::future::pending()).await {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        });
    }
    let drain = app.clone();
    let stopping = async move {
        shutdown_signal().await;
        tracing::info!(
            grace_secs = SHUTDOWN_GRACE.as_secs(),
            "draining: no new connections; finishing the requests in flight"
        );
        drain.drain();
    };
    let mut serving: std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<(), String>> + Send>,
    > = match (listener, settings.https.clone()) {
        (Some(listener), _) => Box::pin(async move {
            web::serve(listener, state, stopping)
                .await
                .map_err(|e| format!("server stopped: {e}"))
        }),
        (None, Some(https)) => {
            let data_dir = settings.data_dir.clone();
            Box::pin(async move { acme::serve(https, &data_dir, state, stopping).await })
        }
        (None, None) => return Err("nothing to listen on".into()),
    };
    let served = tokio::select! {
        served = &mut serving => Some(served),
        () = app.draining() => None,
    };
    let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
    let served = match served {
        Some(served) => Some(served),
        None => tokio::time::timeout_at(deadline, serving).await.ok(),
    };
    match served {
        Some(Ok(())) => tracing::info!("draining: the requests in flight are finished"),
        Some(Err(e)) => return Err(e),
        None => {
            tracing::warn!("draining: the grace period is over; requests still in flight are cut");
        }
    }
    stop_rooms(&app, deadline).await;
    stop_jobs(jobs, deadline).await;
    tracing::info!("stopped");
    Ok(())
}

/// How long a stopping process may take to finish its requests, close its room sockets and its
/// running job, from the signal on (systemd's stop timeout, 90 s by default, is longer).
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// Waits, up to `deadline`, until every room socket has been told to reconnect and has closed.
async fn stop_rooms(app: &App, deadline: tokio::time::Instant) {
    let told = app.rooms_open();
    while app.rooms_open() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    match app.rooms_open() {
        0 => tracing::info!(
            room_sockets = told,
            "draining: room sockets were asked to reconnect and closed"
        ),
        left => tracing::warn!(
            room_sockets = left,
            "draining: the grace period is over; room sockets still open are cut"
        ),
    }
}

/// Waits, up to `deadline`, for the job runner to finish the job it holds (it claims no more).
async fn stop_jobs(jobs: tokio::task::JoinHandle<()>, deadline: tokio::time::Instant) {
    match tokio::time::timeout_at(deadline, jobs).await {
        Ok(_) => tracing::info!("draining: the job runner is done"),
        Err(_) => tracing::warn!(
            "draining: the grace period is over with a job running; its lease lets another instance run it again"
        ),
    }
}

/// Files every connection, the database and the uploads share.
const FILES_KEPT_BACK: u64 = 256;

/// Raises the open-files limit to what the system allows this process (a connection is a file),
/// and keeps the connection cap under it, with room for the database, uploads and mail.
fn connection_limits(settings: &Settings) -> web::ConnLimits {
    let mut limits = settings.limits.clone();
    let files = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(files) => files,
        Err(e) => {
            tracing::warn!(error = %e, "cannot raise the open-files limit");
            match rlimit::getrlimit(rlimit::Resource::NOFILE) {
                Ok((soft, _)) => soft,
                Err(_) => return limits,
            }
        }
    };
    let room = usize::try_from(files.saturating_sub(FILES_KEPT_BACK))
        .unwrap_or(usize::MAX)
        .max(1);
    if limits.total > room {
        tracing::warn!(
            open_files = files,
            max_connections = room,
            "the open-files limit allows fewer connections than max_connections: raise the limit (ulimit -n, LimitNOFILE=) for more"
        );
        limits.total = room;
    }
    tracing::info!(
        open_files = files,
        max_connections = limits.total,
        max_connections_per_address = limits.per_address,
        header_timeout_secs = limits.header_timeout.as_secs(),
        body_timeout_secs = limits.body_timeout.as_secs(),
        "connection limits"
    );
    limits
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
