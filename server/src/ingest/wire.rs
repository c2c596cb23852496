//! The events body as sent, read straight from the request bytes. Each event's known fields
//! are kept as they came — strings without escapes borrowed from the body, not copied — instead
//! of a `serde_json::Value` tree with a map node and an owned key per field. Parsing the body
//! into `Value`s took more instructions than everything else the request handler did
//! (callgrind of the server under 4 ingest clients). Validation is the same code for both
//! shapes (`validate::Fields`).

use super::validate::{FIELDS, FieldRef, Fields, MAX_EVENTS};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// A visitor's answers for a JSON scalar where an object or an array was wanted: `$v`.
macro_rules! scalars_are {
    ($v:expr) => {
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok($v)
        }
    };
}

/// One field's value as sent.
pub enum Field<'a> {
    Null,
    Str(Cow<'a, str>),
    /// A number's text as sent, so a credits amount stays exact (never through `f64`).
    Num(&'a str),
    Obj(Map<String, Value>),
    /// A boolean or an array: never valid for an event field.
    Other,
}

impl<'a> Field<'a> {
    fn as_ref(&self) -> FieldRef<'_> {
        match self {
            Field::Null => FieldRef::Null,
            Field::Str(s) => FieldRef::Str(s),
            Field::Num(n) => FieldRef::Num(Cow::Borrowed(n)),
            Field::Obj(o) => FieldRef::Obj(o),
            Field::Other => FieldRef::Other,
        }
    }

    /// Classifies one JSON value, already checked by the parser, by its first byte.
    fn from_raw(text: &'a str) -> serde_json::Result<Self> {
        Ok(match text.as_bytes().first() {
            Some(b'"') => {
                let inner = &text[1..text.len() - 1];
                if inner.contains('\\') {
                    Field::Str(Cow::Owned(serde_json::from_str(text)?))
                } else {
                    Field::Str(Cow::Borrowed(inner))
                }
            }
            Some(b'{') => Field::Obj(serde_json::from_str(text)?),
            Some(b'n') => Field::Null,
            Some(b'-' | b'0'..=b'9') => Field::Num(text),
            _ => Field::Other,
        })
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Field<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <&'de RawValue>::deserialize(d)?;
        Field::from_raw(raw.get()).map_err(de::Error::custom)
    }
}

/// Fields that are objects or nothing: read in one pass, not through `RawValue` (only a
/// number's text needs it); any other value is refused alike, so it is only `Other`.
const OBJECTS: [&str; 2] = ["source", "metadata"];

struct ObjectField<'a>(Field<'a>);

impl<'de: 'a, 'a> Deserialize<'de> for ObjectField<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ObjectField<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let o = Map::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(ObjectField(Field::Obj(o)))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(ObjectField(Field::Null))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(ObjectField(Field::Other))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(ObjectField(Field::Null))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(ObjectField(Field::Other))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(ObjectField(Field::Other))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(ObjectField(Field::Other))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(ObjectField(Field::Other))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(ObjectField(Field::Other))
            }
        }
        d.deserialize_any(V)
    }
}

/// An object key, borrowed from the body when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A JSON object body with its fields as sent (a repeated key keeps its last value).
pub struct Object<'a>(Vec<(Cow<'a, str>, Field<'a>)>);

impl Fields for Object<'_> {
    fn field(&self, name: &str) -> Option<FieldRef<'_>> {
        let (_, f) = self.0.iter().rev().find(|(k, _)| k == name)?;
        Some(f.as_ref())
    }
}

/// Reads a body that must be one JSON object: `Ok(None)` when it is valid JSON but not an
/// object, `Err` with the parser's message when it is not JSON.
pub fn object(bytes: &[u8]) -> Result<Option<Object<'_>>, String> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<Object<'de>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut fields = Vec::new();
            while let Some(Key(k)) = map.next_key()? {
                fields.push((k, map.next_value()?));
            }
            Ok(Some(Object(fields)))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        scalars_are!(None);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let body = de.deserialize_any(V).map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(body)
}

/// One element of `events`: an event object, or anything else (rejected on its own).
pub enum WireEvent<'a> {
    Object {
        /// By position in `validate::FIELDS`.
        fields: Box<[Option<Field<'a>>; FIELDS.len()]>,
        /// The first key that is not an event field.
        unknown: Option<String>,
    },
    NotObject,
}

impl Fields for [Option<Field<'_>>; FIELDS.len()] {
    fn field(&self, name: &str) -> Option<FieldRef<'_>> {
        let i = FIELDS.iter().position(|f| *f == name)?;
        self[i].as_ref().map(Field::as_ref)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for WireEvent<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = WireEvent<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an event object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut fields: Box<[Option<Field<'de>>; FIELDS.len()]> = Box::default();
                let mut unknown = None;
                while let Some(Key(key)) = map.next_key()? {
                    match FIELDS.iter().position(|f| *f == key) {
                        // A repeated key keeps its last value, as a `Value` map would.
                        Some(i) if OBJECTS.contains(&FIELDS[i]) => {
                            fields[i] = Some(map.next_value::<ObjectField>()?.0)
                        }
                        Some(i) => fields[i] = Some(map.next_value()?),
                        None => {
                            map.next_value::<IgnoredAny>()?;
                            unknown.get_or_insert_with(|| key.into_owned());
                        }
                    }
                }
                Ok(WireEvent::Object { fields, unknown })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(WireEvent::NotObject)
            }
            scalars_are!(WireEvent::NotObject);
        }
        d.deserialize_any(V)
    }
}

/// The body's `events`: an array, or something else (an error naming the field).
enum Events<'a> {
    Array(Vec<WireEvent<'a>>),
    /// More than `MAX_EVENTS` elements: past the limit they are skipped unread (counted
    /// only), so a body of a million `{}` costs no more memory than a full batch.
    TooMany(usize),
    NotArray,
}

impl<'de: 'a, 'a> Deserialize<'de> for Events<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Events<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of events")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut events = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX_EVENTS));
                while events.len() < MAX_EVENTS {
                    match seq.next_element()? {
                        Some(e) => events.push(e),
                        None => return Ok(Events::Array(events)),
                    }
                }
                let mut count = MAX_EVENTS;
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    count += 1;
                }
                Ok(if count == MAX_EVENTS {
                    Events::Array(events)
                } else {
                    Events::TooMany(count)
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Events::NotArray)
            }
            scalars_are!(Events::NotArray);
        }
        d.deserialize_any(V)
    }
}

/// What a request body said, before validation.
pub enum Body<'a> {
    Events(Vec<WireEvent<'a>>),
    /// More events than a batch may hold: how many.
    TooMany(usize),
    /// `events` missing, or not an array.
    NoEvents,
    NotAnObject,
}

/// Reads a `POST /events` body; `Err` is the JSON parser's message.
pub fn parse(bytes: &[u8]) -> Result<Body<'_>, String> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Body<'de>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut body = Body::NoEvents;
            while let Some(Key(k)) = map.next_key()? {
                if k == "events" {
                    body = match map.next_value::<Events<'de>>()? {
                        Events::Array(a) => Body::Events(a),
                        Events::TooMany(n) => Body::TooMany(n),
                        Events::NotArray => Body::NoEvents,
                    }
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(body)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(Body::NotAnObject)
        }
        scalars_are!(Body::NotAnObject);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let body = de.deserialize_any(V).map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{validate_batch, validate_wire};
    use serde_json::json;

    fn both(body: &Value) -> (super::super::Validated, super::super::Validated) {
        let now: chrono::DateTime<chrono::Utc> = "2026-11-22T12:00:00Z".parse().unwrap();
        let bytes = serde_json::to_vec(body).unwrap();
        let Ok(Body::Events(events)) = parse(&bytes) else {
            panic!("an events body")
        };
        let wire = validate_wire(&events, now.into()).unwrap();
        let tree = validate_batch(body["events"].as_array().unwrap(), now).unwrap();
        (wire, tree)
    }

    #[test]
    fn every_event_is_judged_as_the_value_path_judges_it() {
        let ok = json!({"id": "e1", "timestamp": "2026-11-22T11:59:00Z",
            "feature": "personalized_email", "credits": "1.5"});
        let with = |k: &str, v: Value| {
            let mut e = ok.clone();
            e[k] = v;
            e
        };
        let events = vec![
            ok.clone(),
            with("id", json!("quote \" and \\u00e9 escaped")),
            with("credits", json!(0.125)),
            with("credits", json!(7)),
            with("credits", json!(true)),
            with("quantity", json!(1.5)),
            with("input_tokens", json!(-3)),
            with("user", json!(null)),
            with("user", json!([1, 2])),
            with("source", json!({"kind": "flow", "key": "lead"})),
            with("source", json!({"kind": "robot", "key": "x"})),
            with("source", json!("flow")),
            with("metadata", json!({"b": [1, {"c": null}], "a": "é"})),
            with("metadata", json!(3)),
            with("colour", json!({"deep": [1]})),
            with("timestamp", json!("yesterday")),
            json!([1]),
            json!("event"),
            json!(null),
        ];
        let (wire, tree) = both(&json!({"events": events, "other": {"ignored": true}}));
        assert_eq!(wire.valid, tree.valid);
        assert_eq!(wire.rejected, tree.rejected);
        assert_eq!((wire.valid.len(), wire.rejected.len()), (7, 12));
    }

    #[test]
    fn bodies_that_are_not_event_lists() {
        assert!(matches!(parse(b"[1]"), Ok(Body::NotAnObject)));
        assert!(matches!(parse(b"{}"), Ok(Body::NoEvents)));
        assert!(matches!(
            parse(br#"{"events": {"a": 1}}"#),
            Ok(Body::NoEvents)
        ));
        assert!(matches!(parse(br#"{"events": "x"}"#), Ok(Body::NoEvents)));
        assert!(parse(br#"{"events": [}"#).is_err());
        assert!(parse(br#"{"events": []} x"#).is_err());
    }
}
