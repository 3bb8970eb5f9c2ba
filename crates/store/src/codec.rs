//! Conversions between domain values and the columns both databases share: UUID text,
//! `BIGINT` microseconds, `YYYY-MM-DD` text, 0/1 flags, and code strings.

use jiff::Timestamp;
use jiff::civil::Date;
use sila_domain::ids::RecordId;
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::error::StoreError;

/// An instant as stored.
pub(crate) fn micros(at: Timestamp) -> i64 {
    at.as_microsecond()
}

/// A date as stored.
pub(crate) fn date_text(date: Date) -> String {
    date.to_string()
}

/// An id as stored.
pub(crate) fn id_text(id: impl RecordId) -> String {
    id.as_uuid().hyphenated().to_string()
}

/// An optional id as stored.
pub(crate) fn opt_id_text<T: RecordId>(id: Option<T>) -> Option<String> {
    id.map(id_text)
}

/// Typed column access with the table named in errors.
pub(crate) struct Columns<'a> {
    pub row: &'a AnyRow,
    pub table: &'static str,
}

impl<'a> Columns<'a> {
    pub(crate) fn new(row: &'a AnyRow, table: &'static str) -> Columns<'a> {
        Columns { row, table }
    }

    fn corrupt(&self, column: &'static str) -> StoreError {
        StoreError::Corrupt { table: self.table, column }
    }

    pub(crate) fn text(&self, column: &'static str) -> Result<String, StoreError> {
        self.row.try_get::<String, _>(column).map_err(|_| self.corrupt(column))
    }

    pub(crate) fn opt_text(&self, column: &'static str) -> Result<Option<String>, StoreError> {
        self.row.try_get::<Option<String>, _>(column).map_err(|_| self.corrupt(column))
    }

    pub(crate) fn int(&self, column: &'static str) -> Result<i64, StoreError> {
        self.row.try_get::<i64, _>(column).map_err(|_| self.corrupt(column))
    }

    pub(crate) fn opt_int(&self, column: &'static str) -> Result<Option<i64>, StoreError> {
        self.row.try_get::<Option<i64>, _>(column).map_err(|_| self.corrupt(column))
    }

    pub(crate) fn flag(&self, column: &'static str) -> Result<bool, StoreError> {
        Ok(self.int(column)? != 0)
    }

    pub(crate) fn bytes(&self, column: &'static str) -> Result<Vec<u8>, StoreError> {
        self.row.try_get::<Vec<u8>, _>(column).map_err(|_| self.corrupt(column))
    }

    pub(crate) fn opt_bytes(&self, column: &'static str) -> Result<Option<Vec<u8>>, StoreError> {
        self.row.try_get::<Option<Vec<u8>>, _>(column).map_err(|_| self.corrupt(column))
    }

    pub(crate) fn id<T: RecordId>(&self, column: &'static str) -> Result<T, StoreError> {
        let text = self.text(column)?;
        Uuid::try_parse(&text).map(T::from_uuid).map_err(|_| self.corrupt(column))
    }

    pub(crate) fn opt_id<T: RecordId>(&self, column: &'static str) -> Result<Option<T>, StoreError> {
        match self.opt_text(column)? {
            None => Ok(None),
            Some(text) => Uuid::try_parse(&text).map(|uuid| Some(T::from_uuid(uuid))).map_err(|_| self.corrupt(column)),
        }
    }

    pub(crate) fn instant(&self, column: &'static str) -> Result<Timestamp, StoreError> {
        Timestamp::from_microsecond(self.int(column)?).map_err(|_| self.corrupt(column))
    }

    pub(crate) fn opt_instant(&self, column: &'static str) -> Result<Option<Timestamp>, StoreError> {
        match self.opt_int(column)? {
            None => Ok(None),
            Some(value) => Timestamp::from_microsecond(value).map(Some).map_err(|_| self.corrupt(column)),
        }
    }

    pub(crate) fn date(&self, column: &'static str) -> Result<Date, StoreError> {
        self.text(column)?.parse().map_err(|_| self.corrupt(column))
    }

    pub(crate) fn opt_date(&self, column: &'static str) -> Result<Option<Date>, StoreError> {
        match self.opt_text(column)? {
            None => Ok(None),
            Some(text) => text.parse().map(Some).map_err(|_| self.corrupt(column)),
        }
    }

    /// A code column parsed by the domain's `parse`.
    pub(crate) fn code<T, E>(
        &self,
        column: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, StoreError> {
        parse(&self.text(column)?).map_err(|_| self.corrupt(column))
    }

    /// An optional code column.
    pub(crate) fn opt_code<T, E>(
        &self,
        column: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, StoreError> {
        match self.opt_text(column)? {
            None => Ok(None),
            Some(text) => parse(&text).map(Some).map_err(|_| self.corrupt(column)),
        }
    }
}

/// Encodes `key=value` pairs of codes as `key=value;key=value` (keys and values are
/// codes, which never contain `=` or `;`).
pub(crate) fn encode_pairs<'a>(pairs: impl IntoIterator<Item = (&'a String, &'a String)>) -> String {
    pairs.into_iter().map(|(key, value)| format!("{key}={value}")).collect::<Vec<_>>().join(";")
}

/// Reads pairs written by [`encode_pairs`].
pub(crate) fn decode_pairs(text: &str) -> std::collections::BTreeMap<String, String> {
    text.split(';')
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| pair.split_once('=').map(|(key, value)| (key.to_string(), value.to_string())))
        .collect()
}
