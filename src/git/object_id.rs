//! Object ids for both hash formats git knows: SHA-1 (20 bytes) and SHA-256
//! (32 bytes). Shown as lowercase hex, the way git prints them.

use std::fmt;
use std::str::FromStr;

/// The id of a git object, in the repository's hash format.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectId {
    Sha1([u8; 20]),
    Sha256([u8; 32]),
}

/// A hexadecimal string that is not a full SHA-1 or SHA-256 object id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a full object id (40 or 64 hexadecimal digits)")]
pub struct InvalidObjectId(pub String);

impl ObjectId {
    /// Parses a full hex id: 40 digits for SHA-1, 64 for SHA-256.
    pub fn from_hex(hex: &str) -> Result<ObjectId, InvalidObjectId> {
        let invalid = || InvalidObjectId(hex.to_owned());
        match hex.len() {
            40 => {
                let mut bytes = [0u8; 20];
                decode_hex(hex, &mut bytes).ok_or_else(invalid)?;
                Ok(ObjectId::Sha1(bytes))
            }
            64 => {
                let mut bytes = [0u8; 32];
                decode_hex(hex, &mut bytes).ok_or_else(invalid)?;
                Ok(ObjectId::Sha256(bytes))
            }
            _ => Err(invalid()),
        }
    }

    /// Builds an id from its raw bytes (20 or 32 of them).
    pub fn from_bytes(bytes: &[u8]) -> Option<ObjectId> {
        match bytes.len() {
            20 => bytes.try_into().ok().map(ObjectId::Sha1),
            32 => bytes.try_into().ok().map(ObjectId::Sha256),
            _ => None,
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        match self {
            ObjectId::Sha1(bytes) => bytes,
            ObjectId::Sha256(bytes) => bytes,
        }
    }

    pub fn is_sha256(&self) -> bool {
        matches!(self, ObjectId::Sha256(_))
    }

    /// True for the all-zero id git uses for "no object".
    pub fn is_null(&self) -> bool {
        self.as_bytes().iter().all(|&b| b == 0)
    }

    /// The full lowercase hex form.
    pub fn to_hex(&self) -> String {
        self.to_string()
    }
}

fn decode_hex(hex: &str, out: &mut [u8]) -> Option<()> {
    let digits = hex.as_bytes();
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let high = (pair[0] as char).to_digit(16)?;
        let low = (pair[1] as char).to_digit(16)?;
        *byte = u8::try_from(high * 16 + low).ok()?;
    }
    Some(())
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.as_bytes() {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectId({self})")
    }
}

impl FromStr for ObjectId {
    type Err = InvalidObjectId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ObjectId::from_hex(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_round_trips_through_hex() {
        let hex = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
        let id = ObjectId::from_hex(hex).unwrap();
        assert!(!id.is_sha256());
        assert_eq!(id.to_string(), hex);
        assert_eq!(id.as_bytes().len(), 20);
    }

    #[test]
    fn sha256_round_trips_through_hex() {
        let hex = "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321";
        let id: ObjectId = hex.parse().unwrap();
        assert!(id.is_sha256());
        assert_eq!(id.to_string(), hex);
        assert_eq!(ObjectId::from_bytes(id.as_bytes()), Some(id));
    }

    #[test]
    fn uppercase_hex_is_accepted_and_printed_lowercase() {
        let id = ObjectId::from_hex("4B825DC642CB6EB9A060E54BF8D69288FBEE4904").unwrap();
        assert_eq!(id.to_string(), "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
    }

    #[test]
    fn short_or_non_hex_ids_are_rejected() {
        assert!(ObjectId::from_hex("4b825dc").is_err());
        assert!(ObjectId::from_hex("zz825dc642cb6eb9a060e54bf8d69288fbee4904").is_err());
        assert!(ObjectId::from_hex("é825dc642cb6eb9a060e54bf8d69288fbee490").is_err());
        assert_eq!(ObjectId::from_bytes(&[0; 7]), None);
    }

    #[test]
    fn null_id_is_all_zeroes() {
        assert!(ObjectId::Sha1([0; 20]).is_null());
        assert!(!ObjectId::Sha1([1; 20]).is_null());
    }
}
