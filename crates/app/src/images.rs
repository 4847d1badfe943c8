//! Image uploads: the type is read from the bytes (never from the name or the browser's word),
//! the size is capped, and the address carries the content's hash so it can be cached forever.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::policy::Action;
use crate::App;
use domain::ids::ImageId;
use sha2::{Digest, Sha256};

pub const MAX_BYTES: usize = 5 * 1024 * 1024;

/// The image formats browsers show everywhere, read from the first bytes; SVG is refused.
pub use domain::content::sniff_image as sniff;

/// The public path of a stored image.
pub fn path(id: &ImageId, content_type: &str) -> String {
    let ext = match content_type {
        "image/png" => "png",
        "image/gif" => "gif",
        "image/webp" => "webp",
        _ => "jpg",
    };
    format!("/media/{id}.{ext}")
}

impl App {
    /// Stores an uploaded image; answers its public path.
    #[tracing::instrument(skip_all, fields(actor = %actor.audit_id(), size = bytes.len()))]
    pub async fn upload_image(
        &self,
        actor: &Actor,
        file_name: &str,
        bytes: &[u8],
    ) -> AppResult<String> {
        self.require(actor, Action::ManageContent).await?;
        if bytes.is_empty() {
            return Err(AppError::field("image", "error-required"));
        }
        if bytes.len() > MAX_BYTES {
            return Err(AppError::field("image", "error-image-too-large"));
        }
        let (content_type, _) =
            sniff(bytes).ok_or_else(|| AppError::field("image", "error-image-type"))?;
        let id = ImageId(hex::encode(Sha256::digest(bytes)));
        let name: String = file_name
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        let mut tx = self.db().begin().await?;
        store::images::put(&mut tx, &id, content_type, bytes, &name, self.now()).await?;
        tx.commit().await?;
        Ok(path(&id, content_type))
    }

    pub async fn images(
        &self,
        actor: &Actor,
    ) -> AppResult<Vec<(store::images::ImageInfo, String)>> {
        self.require(actor, Action::ManageContent).await?;
        let list = store::images::list(&mut self.db().conn().await?, 200).await?;
        Ok(list
            .into_iter()
            .map(|i| {
                let p = path(&i.id, &i.content_type);
                (i, p)
            })
            .collect())
    }

    /// A stored image by the hash in its address (public: images appear in published articles).
    pub async fn image(&self, actor: &Actor, hash: &str) -> AppResult<(String, Vec<u8>)> {
        self.require(actor, Action::ReadPublicSite).await?;
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(AppError::NotFound);
        }
        let mut c = self.db().conn().await?;
        store::images::get(&mut c, &ImageId(hash.to_ascii_lowercase()))
            .await?
            .ok_or(AppError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_comes_from_the_bytes() {
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\nrest").map(|t| t.0),
            Some("image/png")
        );
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0]).map(|t| t.0),
            Some("image/jpeg")
        );
        assert_eq!(
            sniff(b"RIFF\0\0\0\0WEBPVP8 ").map(|t| t.0),
            Some("image/webp")
        );
        assert_eq!(sniff(b"<svg onload=alert(1)>"), None);
        assert_eq!(sniff(b"<html>"), None);
        assert_eq!(sniff(b""), None);
    }
}
