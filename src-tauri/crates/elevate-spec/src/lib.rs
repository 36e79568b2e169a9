//! Microsoft's OpenAPI (Swagger 2.0) specs for the PIM APIs, and a validator that holds JSON bodies
//! against them. Test support for the client (`elevate-core`) and the simulator (`elevate-sim`).
//!
//! Swagger 2.0 schemas become JSON Schema (draft 7) like this:
//! - every definition of every loaded file goes into one `definitions` map, keyed by file and name, and
//!   every `$ref` (local, `./common-types.json#/…`, `../../…/types.json#/…`) is rewritten to that key;
//! - **nulls are allowed everywhere**: Microsoft's own examples put `null` in string and object fields;
//! - **types are strict** (a number where a string is declared fails); enums are strict unless marked
//!   `x-ms-enum.modelAsString: true`, which Azure documents as open (new values may appear) — every enum
//!   in the PIM specs is marked so;
//! - a `discriminator` (policy rules' `ruleType`) dispatches to the subtype whose
//!   `x-ms-discriminator-value` matches, through `if`/`then`; subtypes extend a non-dispatching copy of
//!   the base, so validation never recurses;
//! - `format`, `readOnly` and the `x-ms-*` extensions are not checked; extra properties are allowed (the
//!   specs do not forbid them).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::{Map, Value, json};

/// The specs could not be loaded or used.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// A fixture file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A fixture file is not JSON.
    #[error("{path} is not JSON: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// A name was not found.
    #[error("{0}")]
    NotFound(String),
}

const PIM: &str = "arm/specification/authorization/resource-manager/Microsoft.Authorization";

/// The spec files loaded, relative to `fixtures/`, in order of preference for definition names.
fn spec_files() -> Vec<String> {
    let stable = [
        "RoleEligibilityScheduleInstance",
        "RoleEligibilitySchedule",
        "RoleEligibilityScheduleRequest",
        "RoleAssignmentScheduleInstance",
        "RoleAssignmentSchedule",
        "RoleAssignmentScheduleRequest",
        "RoleManagementPolicy",
        "RoleManagementPolicyAssignment",
        "EligibleChildResources",
        "common-types",
    ];
    let mut files: Vec<String> = stable.iter().map(|f| format!("{PIM}/stable/2020-10-01/{f}.json")).collect();
    files.push(format!("{PIM}/stable/2022-04-01/authorization-RoleDefinitionsCalls.json"));
    files.push(format!("{PIM}/stable/2022-04-01/common-types.json"));
    files.push(format!("{PIM}/preview/2021-01-01-preview/authorization-RoleAssignmentApprovalCalls.json"));
    files.push("arm/specification/common-types/resource-management/v2/types.json".to_owned());
    files
}

/// Path of a fixture file inside this crate, e.g. `fixture_path("graph/directory/selfActivate.response.201.json")`.
pub fn fixture_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(relative)
}

/// Reads and parses a fixture JSON file.
pub fn fixture_json(relative: &str) -> Result<Value, SpecError> {
    read_json(&fixture_path(relative))
}

fn read_json(path: &Path) -> Result<Value, SpecError> {
    let text = std::fs::read_to_string(path).map_err(|source| SpecError::Io { path: path.to_owned(), source })?;
    // Some spec files start with a byte-order mark.
    serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|source| SpecError::Json { path: path.to_owned(), source })
}

/// One `x-ms-example`.
#[derive(Clone, Debug)]
pub struct Example {
    /// The operation it illustrates.
    pub operation_id: String,
    /// Its file, relative to `fixtures/`.
    pub file: String,
    /// The example's `api-version` parameter.
    pub api_version: Option<String>,
    /// The example's parameters.
    pub parameters: Value,
    /// Status → body (`Null` when the example has none).
    pub responses: BTreeMap<u16, Value>,
}

struct Operation {
    method: String,
    path: String,
    file: usize,
    body_schema: Option<Value>,
    responses: BTreeMap<String, Value>,
    examples: Vec<String>,
}

/// The loaded ARM specs.
pub struct ArmSpec {
    files: Vec<String>,
    /// Converted definitions, keyed `d{file}_{name}` (plus `__plain` copies of discriminator bases).
    definitions: Map<String, Value>,
    /// Definition name → keys, in file order.
    names: HashMap<String, Vec<String>>,
    operations: BTreeMap<String, Operation>,
    validators: Mutex<HashMap<String, std::sync::Arc<jsonschema::Validator>>>,
}

impl ArmSpec {
    /// Loads the PIM specs (2020-10-01), role definitions (2022-04-01), approvals (2021-01-01-preview)
    /// and the ARM common types from this crate's fixtures.
    pub fn load() -> Result<ArmSpec, SpecError> {
        let files = spec_files();
        let docs = files.iter().map(|f| fixture_json(f)).collect::<Result<Vec<_>, _>>()?;
        let mut converter = Converter { files: &files, bases: HashMap::new() };
        // Discriminator bases and their subtypes.
        let mut subtypes: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for (i, doc) in docs.iter().enumerate() {
            for (name, def) in doc["definitions"].as_object().into_iter().flatten() {
                if let Some(prop) = def["discriminator"].as_str() {
                    converter.bases.insert(key(i, name), prop.to_owned());
                }
            }
        }
        for (i, doc) in docs.iter().enumerate() {
            for (name, def) in doc["definitions"].as_object().into_iter().flatten() {
                let value = def["x-ms-discriminator-value"].as_str().unwrap_or(name).to_owned();
                for parent in def["allOf"].as_array().into_iter().flatten() {
                    if let Some(r) = parent["$ref"].as_str() {
                        let target = converter.resolve(i, r);
                        if converter.bases.contains_key(&target) {
                            subtypes.entry(target).or_default().push((value.clone(), key(i, name)));
                        }
                    }
                }
            }
        }
        let mut definitions = Map::new();
        let mut names: HashMap<String, Vec<String>> = HashMap::new();
        for (i, doc) in docs.iter().enumerate() {
            for (name, def) in doc["definitions"].as_object().into_iter().flatten() {
                let k = key(i, name);
                names.entry(name.clone()).or_default().push(k.clone());
                let is_subtype = subtypes.values().flatten().any(|(_, s)| *s == k);
                let converted = converter.schema(i, def, is_subtype);
                if let Some(prop) = converter.bases.get(&k).cloned() {
                    definitions.insert(format!("{k}__plain"), converted.clone());
                    let mut all = vec![json!({"$ref": format!("#/definitions/{k}__plain")})];
                    for (value, sub) in subtypes.get(&k).into_iter().flatten() {
                        all.push(json!({
                            "if": {"properties": {prop.clone(): {"const": value}}, "required": [prop.clone()]},
                            "then": {"$ref": format!("#/definitions/{sub}")}
                        }));
                    }
                    definitions.insert(k, json!({"allOf": all}));
                } else {
                    definitions.insert(k, converted);
                }
            }
        }
        let mut operations = BTreeMap::new();
        for (i, doc) in docs.iter().enumerate() {
            for (path, methods) in doc["paths"].as_object().into_iter().flatten() {
                for (method, op) in methods.as_object().into_iter().flatten() {
                    let Some(id) = op["operationId"].as_str() else { continue };
                    let body_schema = op["parameters"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|p| converter.parameter(doc, p))
                        .find(|p| p["in"] == "body")
                        .map(|p| converter.schema(i, &p["schema"], false));
                    let responses = op["responses"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(status, r)| (status.clone(), r.get("schema").map(|s| converter.schema(i, s, false)).unwrap_or(Value::Null)))
                        .collect();
                    let dir = Path::new(&files[i]).parent().map(Path::to_owned).unwrap_or_default();
                    let examples = op["x-ms-examples"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .filter_map(|(_, e)| e["$ref"].as_str())
                        .map(|r| normalise(&dir.join(r)))
                        .collect();
                    operations.insert(
                        id.to_owned(),
                        Operation { method: method.to_ascii_uppercase(), path: path.clone(), file: i, body_schema, responses, examples },
                    );
                }
            }
        }
        Ok(ArmSpec { files, definitions, names, operations, validators: Mutex::new(HashMap::new()) })
    }

    /// All operation ids, sorted.
    pub fn operation_ids(&self) -> Vec<String> {
        self.operations.keys().cloned().collect()
    }

    /// The operation's method and path template.
    pub fn operation(&self, operation_id: &str) -> Option<(String, String)> {
        self.operations.get(operation_id).map(|o| (o.method.clone(), o.path.clone()))
    }

    /// Every `x-ms-example` of every loaded operation whose file is in the fixtures (all of 2020-10-01 and
    /// of the approvals preview; three of 2022-04-01).
    pub fn examples(&self) -> Vec<Example> {
        let mut out = Vec::new();
        for (id, op) in &self.operations {
            for file in &op.examples {
                let Ok(doc) = fixture_json(file) else { continue };
                let responses = doc["responses"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter_map(|(s, r)| Some((s.parse::<u16>().ok()?, r.get("body").cloned().unwrap_or(Value::Null))))
                    .collect();
                out.push(Example {
                    operation_id: id.clone(),
                    file: file.clone(),
                    api_version: doc["parameters"]["api-version"].as_str().map(str::to_owned),
                    parameters: doc["parameters"].clone(),
                    responses,
                });
            }
        }
        out
    }

    /// Validates a response body against the schema of `operation_id`'s response for `status`, falling
    /// back to `default` (the error envelope) when the status is not listed.
    pub fn validate_response(&self, operation_id: &str, status: u16, body: &Value) -> Result<(), Vec<String>> {
        let op = self.operations.get(operation_id).ok_or_else(|| vec![format!("unknown operation {operation_id}")])?;
        let schema = op
            .responses
            .get(&status.to_string())
            .or_else(|| op.responses.get("default"))
            .ok_or_else(|| vec![format!("{operation_id} documents no response {status} and no default")])?;
        if schema.is_null() {
            return if body.is_null() || body.as_object().is_some_and(Map::is_empty) || body.as_str() == Some("") {
                Ok(())
            } else {
                Err(vec![format!("{operation_id} documents no body for {status}")])
            };
        }
        self.validate_with(&format!("{operation_id}#{status}"), schema, body)
    }

    /// Validates a request body against the operation's `in: body` parameter.
    pub fn validate_request_body(&self, operation_id: &str, body: &Value) -> Result<(), Vec<String>> {
        let op = self.operations.get(operation_id).ok_or_else(|| vec![format!("unknown operation {operation_id}")])?;
        let schema = op.body_schema.as_ref().ok_or_else(|| vec![format!("{operation_id} takes no body")])?;
        self.validate_with(&format!("{operation_id}#body"), schema, body)
    }

    /// Validates against a named definition (the first loaded file that has it), e.g. "CloudError".
    pub fn validate_definition(&self, definition: &str, value: &Value) -> Result<(), Vec<String>> {
        let k = self
            .names
            .get(definition)
            .and_then(|keys| keys.first())
            .ok_or_else(|| vec![format!("no definition named {definition}")])?;
        self.validate_with(k, &json!({"$ref": format!("#/definitions/{k}")}), value)
    }

    fn validate_with(&self, cache_key: &str, schema: &Value, value: &Value) -> Result<(), Vec<String>> {
        let validator = {
            let mut cache = self.validators.lock().map_err(|_| vec!["validator cache poisoned".to_owned()])?;
            match cache.get(cache_key) {
                Some(v) => std::sync::Arc::clone(v),
                None => {
                    let mut doc = schema.as_object().cloned().unwrap_or_default();
                    doc.insert("definitions".into(), Value::Object(self.definitions.clone()));
                    let built = jsonschema::draft7::options()
                        .should_validate_formats(false)
                        .build(&Value::Object(doc))
                        .map_err(|e| vec![format!("the converted schema does not compile: {e}")])?;
                    let built = std::sync::Arc::new(built);
                    cache.insert(cache_key.to_owned(), std::sync::Arc::clone(&built));
                    built
                }
            }
        };
        let errors: Vec<String> = validator.iter_errors(value).map(|e| format!("at '{}': {e}", e.instance_path())).collect();
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// The loaded files, relative to `fixtures/`.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// The file an operation is defined in.
    pub fn operation_file(&self, operation_id: &str) -> Option<&str> {
        self.operations.get(operation_id).map(|o| self.files[o.file].as_str())
    }
}

fn key(file: usize, name: &str) -> String {
    format!("d{file}_{name}")
}

/// Resolves `.` and `..` in a relative path without touching the file system.
fn normalise(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

struct Converter<'a> {
    files: &'a [String],
    /// Discriminator bases: key → discriminator property.
    bases: HashMap<String, String>,
}

impl Converter<'_> {
    /// The definition key a `$ref` in file `from` points to.
    fn resolve(&self, from: usize, reference: &str) -> String {
        let (file, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        let name = pointer.rsplit('/').next().unwrap_or_default();
        let target = if file.is_empty() {
            from
        } else {
            let dir = Path::new(&self.files[from]).parent().map(Path::to_owned).unwrap_or_default();
            let wanted = normalise(&dir.join(file));
            self.files.iter().position(|f| *f == wanted).unwrap_or(usize::MAX)
        };
        key(target, name)
    }

    /// A parameter, following `$ref` to the file's `parameters`.
    fn parameter(&self, doc: &Value, p: &Value) -> Value {
        match p["$ref"].as_str() {
            Some(r) if r.starts_with("#/parameters/") => doc["parameters"][r.trim_start_matches("#/parameters/")].clone(),
            _ => p.clone(),
        }
    }

    fn schema(&self, from: usize, node: &Value, extends_base: bool) -> Value {
        let Some(object) = node.as_object() else { return node.clone() };
        let mut out = Map::new();
        let open_enum = object.get("x-ms-enum").and_then(|e| e["modelAsString"].as_bool()).unwrap_or(false);
        for (k, v) in object {
            match k.as_str() {
                "$ref" => {
                    let target = self.resolve(from, v.as_str().unwrap_or_default());
                    let target = if extends_base && self.bases.contains_key(&target) { format!("{target}__plain") } else { target };
                    out.insert("$ref".into(), json!(format!("#/definitions/{target}")));
                }
                "type" => {
                    let t = v.as_str().unwrap_or("object");
                    out.insert("type".into(), json!([t, "null"]));
                }
                "enum" if open_enum => {}
                "enum" => {
                    let mut values = v.as_array().cloned().unwrap_or_default();
                    values.push(Value::Null);
                    out.insert("enum".into(), Value::Array(values));
                }
                "properties" => {
                    let props = v
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(name, s)| (name.clone(), self.schema(from, s, false)))
                        .collect();
                    out.insert("properties".into(), Value::Object(props));
                }
                "items" => {
                    out.insert("items".into(), self.schema(from, v, false));
                }
                "additionalProperties" if v.is_object() => {
                    out.insert("additionalProperties".into(), self.schema(from, v, false));
                }
                "allOf" => {
                    let all = v.as_array().into_iter().flatten().map(|s| self.schema(from, s, extends_base)).collect();
                    out.insert("allOf".into(), Value::Array(all));
                }
                "required" | "minimum" | "maximum" | "minLength" | "maxLength" | "pattern" | "minItems" | "maxItems" => {
                    out.insert(k.clone(), v.clone());
                }
                _ => {}
            }
        }
        // A `$ref` beside other keywords is fine in draft 7 only when wrapped.
        if out.contains_key("$ref") && out.len() > 1 {
            let reference = out.remove("$ref").unwrap_or(Value::Null);
            let mut wrapped = Map::new();
            wrapped.insert("allOf".into(), json!([{ "$ref": reference }, Value::Object(out)]));
            return Value::Object(wrapped);
        }
        Value::Object(out)
    }
}
