//! The few parts of STUN (RFC 8489) and TURN (RFC 8656) the doctor speaks: a message's header
//! and attributes, MESSAGE-INTEGRITY (HMAC-SHA1) and FINGERPRINT (CRC-32), written and checked.

use hmac::{Hmac, Mac};

pub const MAGIC_COOKIE: u32 = 0x2112_A442;
const HEADER: usize = 20;
const FINGERPRINT_XOR: u32 = 0x5354_554E;

pub const ALLOCATE_REQUEST: u16 = 0x0003;
pub const ALLOCATE_SUCCESS: u16 = 0x0103;
#[cfg(test)]
pub const ALLOCATE_ERROR: u16 = 0x0113;
pub const REFRESH_REQUEST: u16 = 0x0004;
pub const REFRESH_SUCCESS: u16 = 0x0104;

pub const USERNAME: u16 = 0x0006;
pub const MESSAGE_INTEGRITY: u16 = 0x0008;
pub const ERROR_CODE: u16 = 0x0009;
pub const LIFETIME: u16 = 0x000D;
pub const REALM: u16 = 0x0014;
pub const NONCE: u16 = 0x0015;
pub const XOR_RELAYED_ADDRESS: u16 = 0x0016;
pub const REQUESTED_TRANSPORT: u16 = 0x0019;
pub const FINGERPRINT: u16 = 0x8028;

/// A message: its type, transaction id and attributes (values unpadded), in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub kind: u16,
    pub transaction: [u8; 12],
    pub attributes: Vec<(u16, Vec<u8>)>,
}

impl Message {
    pub fn new(kind: u16, transaction: [u8; 12]) -> Message {
        Message {
            kind,
            transaction,
            attributes: Vec::new(),
        }
    }

    pub fn with(mut self, kind: u16, value: impl Into<Vec<u8>>) -> Message {
        self.attributes.push((kind, value.into()));
        self
    }

    pub fn get(&self, kind: u16) -> Option<&[u8]> {
        self.attributes
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, v)| v.as_slice())
    }

    /// The ERROR-CODE's number (401, 438, …) and reason, if any.
    pub fn error(&self) -> Option<(u16, String)> {
        let v = self.get(ERROR_CODE)?;
        let (class, number) = (*v.get(2)?, *v.get(3)?);
        let reason = String::from_utf8_lossy(v.get(4..).unwrap_or_default()).into_owned();
        Some((u16::from(class & 0x07) * 100 + u16::from(number), reason))
    }

    /// The bytes on the wire; with MESSAGE-INTEGRITY under `key`, and FINGERPRINT, when asked.
    pub fn encode(&self, key: Option<&[u8]>, fingerprint: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(128);
        out.extend_from_slice(&self.kind.to_be_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
        out.extend_from_slice(&self.transaction);
        for (kind, value) in &self.attributes {
            push_attribute(&mut out, *kind, value);
        }
        if let Some(key) = key {
            set_length(&mut out, 24);
            let mac = hmac_sha1(key, &out);
            push_attribute(&mut out, MESSAGE_INTEGRITY, &mac);
        }
        if fingerprint {
            set_length(&mut out, 8);
            let crc = crc32(&out) ^ FINGERPRINT_XOR;
            push_attribute(&mut out, FINGERPRINT, &crc.to_be_bytes());
        }
        set_length(&mut out, 0);
        out
    }

    /// Reads one message; refuses anything that is not one (short, wrong cookie, a length that
    /// does not match, an attribute running past the end).
    pub fn decode(bytes: &[u8]) -> Result<Message, String> {
        if bytes.len() < HEADER {
            return Err(format!(
                "{} bytes are too short for a STUN message",
                bytes.len()
            ));
        }
        let kind = u16::from_be_bytes([bytes[0], bytes[1]]);
        if kind & 0xC000 != 0 {
            return Err("not a STUN message".into());
        }
        let length = usize::from(u16::from_be_bytes([bytes[2], bytes[3]]));
        if u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) != MAGIC_COOKIE {
            return Err("not a STUN message (no magic cookie)".into());
        }
        if length % 4 != 0 || HEADER + length != bytes.len() {
            return Err("a STUN message whose length does not match".into());
        }
        let mut transaction = [0u8; 12];
        transaction.copy_from_slice(&bytes[8..HEADER]);
        let mut attributes = Vec::new();
        let mut at = HEADER;
        while at < bytes.len() {
            let head = bytes
                .get(at..at + 4)
                .ok_or("an attribute header runs past the message")?;
            let kind = u16::from_be_bytes([head[0], head[1]]);
            let len = usize::from(u16::from_be_bytes([head[2], head[3]]));
            let value = bytes
                .get(at + 4..at + 4 + len)
                .ok_or("an attribute runs past the message")?;
            attributes.push((kind, value.to_vec()));
            at += 4 + len.div_ceil(4) * 4;
        }
        Ok(Message {
            kind,
            transaction,
            attributes,
        })
    }
}

/// The message's length as it will be once `more` bytes follow what is written.
fn set_length(out: &mut [u8], more: usize) {
    let length = u16::try_from(out.len() - HEADER + more).unwrap_or(u16::MAX);
    out[2..4].copy_from_slice(&length.to_be_bytes());
}

fn push_attribute(out: &mut Vec<u8>, kind: u16, value: &[u8]) {
    out.extend_from_slice(&kind.to_be_bytes());
    out.extend_from_slice(&u16::try_from(value.len()).unwrap_or(u16::MAX).to_be_bytes());
    out.extend_from_slice(value);
    out.resize(out.len() + (4 - value.len() % 4) % 4, 0);
}

/// Where the attribute `kind` starts in a well-formed message.
fn offset_of(bytes: &[u8], kind: u16) -> Option<usize> {
    let mut at = HEADER;
    while at + 4 <= bytes.len() {
        let k = u16::from_be_bytes([bytes[at], bytes[at + 1]]);
        let len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        if k == kind {
            return Some(at);
        }
        at += 4 + len.div_ceil(4) * 4;
    }
    None
}

/// Whether the message's MESSAGE-INTEGRITY is right under `key`; `None` when it has none.
pub fn integrity_holds(bytes: &[u8], key: &[u8]) -> Option<bool> {
    let at = offset_of(bytes, MESSAGE_INTEGRITY)?;
    let given = bytes.get(at + 4..at + 24)?;
    let mut before = bytes[..at].to_vec();
    set_length(&mut before, 24);
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(&before);
    Some(mac.verify_slice(given).is_ok())
}

/// Whether the message's FINGERPRINT is right; `None` when it has none.
pub fn fingerprint_holds(bytes: &[u8]) -> Option<bool> {
    let at = offset_of(bytes, FINGERPRINT)?;
    let given = bytes.get(at + 4..at + 8)?;
    let mut before = bytes[..at].to_vec();
    set_length(&mut before, 8);
    Some((crc32(&before) ^ FINGERPRINT_XOR).to_be_bytes() == given)
}

/// The long-term credential's key: MD5(username ":" realm ":" password). The REST API's
/// passwords are base64 and its usernames digits and a label, so SASLprep changes nothing.
pub fn long_term_key(username: &str, realm: &str, password: &str) -> [u8; 16] {
    use md5::Digest;
    md5::Md5::digest(format!("{username}:{realm}:{password}").as_bytes()).into()
}

fn hmac_sha1(key: &[u8], data: &[u8]) -> [u8; 20] {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// CRC-32 (ISO-HDLC, as zlib computes it), bit by bit: a message is a few hundred bytes.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// An XOR-MAPPED- or XOR-RELAYED-ADDRESS (IPv4 or IPv6) read back.
pub fn xor_address(value: &[u8], transaction: &[u8; 12]) -> Option<std::net::SocketAddr> {
    let family = *value.get(1)?;
    let cookie = MAGIC_COOKIE.to_be_bytes();
    let port = u16::from_be_bytes([*value.get(2)?, *value.get(3)?]) ^ 0x2112;
    match family {
        1 => {
            let raw = value.get(4..8)?;
            let ip: [u8; 4] = std::array::from_fn(|i| raw[i] ^ cookie[i]);
            Some((std::net::Ipv4Addr::from(ip), port).into())
        }
        2 => {
            let raw = value.get(4..20)?;
            let mask: Vec<u8> = cookie.iter().chain(transaction).copied().collect();
            let ip: [u8; 16] = std::array::from_fn(|i| raw[i] ^ mask[i]);
            Some((std::net::Ipv6Addr::from(ip), port).into())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        let digits: Vec<u8> = text
            .bytes()
            .filter(u8::is_ascii_hexdigit)
            .map(|b| match b {
                b'0'..=b'9' => b - b'0',
                _ => (b | 0x20) - b'a' + 10,
            })
            .collect();
        digits.chunks(2).map(|p| p[0] << 4 | p[1]).collect()
    }

    /// RFC 5769, 2.1: a request with a short-term credential (the key is the password).
    fn sample_request() -> Vec<u8> {
        hex("00010058 2112a442 b7e7a701 bc34d686 fa87dfae
             80220010 5354554e 20746573 7420636c 69656e74
             00240004 6e0001ff
             80290008 932ff9b1 51263b36
             00060009 6576746a 3a683676 59202020
             00080014 9aeaa70c bfd8cb56 781ef2b5 b2d3f249 c1b571a2
             80280004 e57a3bcf")
    }

    /// RFC 5769, 2.2: the IPv4 response, mapped address 192.0.2.1:32853.
    fn sample_ipv4_response() -> Vec<u8> {
        hex("0101003c 2112a442 b7e7a701 bc34d686 fa87dfae
             8022000b 74657374 20766563 746f7220
             00200008 0001a147 e112a643
             00080014 2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7
             80280004 c07d4c96")
    }

    /// RFC 5769, 2.4: a request with the long-term credential.
    fn sample_long_term_request() -> Vec<u8> {
        hex("00010060 2112a442 78ad3433 c6ad72c0 29da412e
             00060012 e3839ee3 8388e383 aae38383 e382afe3 82b90000
             0015001c 662f2f34 39396b39 35346436 4f4c3334 6f4c3946 53547679 36347341
             0014000b 6578616d 706c652e 6f726700
             00080014 f6702465 6dd64a3e 02b8e071 2e85c9a2 8ca89666")
    }

    const SHORT_TERM: &[u8] = b"VOkJxbRl1RmTxUk/WvJxBt";

    #[test]
    fn rfc_5769_requests_and_responses_check_out() {
        for bytes in [sample_request(), sample_ipv4_response()] {
            assert_eq!(integrity_holds(&bytes, SHORT_TERM), Some(true));
            assert_eq!(fingerprint_holds(&bytes), Some(true));
            assert_eq!(integrity_holds(&bytes, b"another password"), Some(false));
            let mut flipped = bytes.clone();
            flipped[30] ^= 1;
            assert_eq!(integrity_holds(&flipped, SHORT_TERM), Some(false));
            assert_eq!(fingerprint_holds(&flipped), Some(false));
        }
        let response = Message::decode(&sample_ipv4_response()).unwrap();
        let mapped = xor_address(response.get(0x0020).unwrap(), &response.transaction);
        assert_eq!(mapped, Some("192.0.2.1:32853".parse().unwrap()));
        let request = Message::decode(&sample_request()).unwrap();
        assert_eq!(request.get(USERNAME), Some(&b"evtj:h6vY"[..]));
    }

    #[test]
    fn the_long_term_request_of_rfc_5769_is_written_byte_for_byte() {
        let wire = sample_long_term_request();
        let theirs = Message::decode(&wire).unwrap();
        // The password after SASLprep, as the RFC gives it.
        let key = long_term_key("マトリックス", "example.org", "TheMatrIX");
        assert_eq!(integrity_holds(&wire, &key), Some(true));
        assert_eq!(fingerprint_holds(&wire), None);
        let ours = Message::new(0x0001, theirs.transaction)
            .with(USERNAME, "マトリックス")
            .with(NONCE, "f//499k954d6OL34oL9FSTvy64sA")
            .with(REALM, "example.org")
            .encode(Some(&key), false);
        assert_eq!(ours, wire);
    }

    #[test]
    fn a_message_with_a_fingerprint_round_trips() {
        let m = Message::new(ALLOCATE_REQUEST, [7; 12])
            .with(REQUESTED_TRANSPORT, [17, 0, 0, 0])
            .with(USERNAME, "1700000000:doctor");
        let wire = m.encode(Some(b"key"), true);
        assert_eq!(wire.len() % 4, 0);
        assert_eq!(integrity_holds(&wire, b"key"), Some(true));
        assert_eq!(fingerprint_holds(&wire), Some(true));
        let back = Message::decode(&wire).unwrap();
        assert_eq!(back.get(USERNAME), Some(&b"1700000000:doctor"[..]));
        assert_eq!(back.kind, ALLOCATE_REQUEST);
    }

    #[test]
    fn empty_short_huge_and_malformed_input_is_refused_not_panicked_on() {
        assert!(Message::decode(&[]).is_err());
        assert!(Message::decode(&[0; 19]).is_err());
        assert!(Message::decode(&[0; 20]).is_err(), "no magic cookie");
        let mut wire = Message::new(ALLOCATE_ERROR, [1; 12])
            .with(ERROR_CODE, [0, 0, 4, 1, b'U'])
            .encode(None, false);
        assert_eq!(
            Message::decode(&wire).unwrap().error(),
            Some((401, "U".into()))
        );
        // An attribute that claims more than the message holds.
        wire[22..24].copy_from_slice(&0xFFFFu16.to_be_bytes());
        assert!(Message::decode(&wire).is_err());
        assert_eq!(integrity_holds(&wire, b"k"), None);
        // A length field that disagrees with the bytes.
        let mut long = vec![0u8; 20 + 65_532];
        long[4..8].copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
        long[2..4].copy_from_slice(&8u16.to_be_bytes());
        assert!(Message::decode(&long).is_err());
        assert_eq!(xor_address(&[], &[0; 12]), None);
        assert_eq!(xor_address(&[0, 9, 0, 0], &[0; 12]), None);
    }
}
