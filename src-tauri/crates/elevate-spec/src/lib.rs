//! Microsoft's OpenAPI (Swagger 2.0) specs for the PIM APIs, and a validator that holds JSON bodies
//! against them. Test support for the client (`elevate-core`) and the simulator (`elevate-sim`).
//!
//! # How Swagger 2.0 becomes JSON Schema (draft 7)
//!
//! - **One namespace.** Every definition of every loaded file goes into one `definitions` map, keyed by
//!   file and name, and every `$ref` (local `#/definitions/X`, `./common-types.json#/definitions/X`,
//!   `../../../../../common-types/resource-management/v2/types.json#/definitions/X`) is rewritten to
//!   that key. Body parameters given as `$ref` to `#/parameters/…` (in any loaded file) are followed.
//!   Operations come from both `paths` and `x-ms-paths`.
//! - **Nulls are allowed everywhere below the root**: Microsoft's own examples put `null` in string and
//!   object fields, so every `type` becomes `[type, "null"]` and every closed enum also admits `null`.
//!   The body itself must not be `null` when the operation documents one.
//! - **Types are strict**: a number where a string is declared fails, a string where an integer or a
//!   boolean is declared fails. A schema with `properties` but no `type` is an object.
//!   `format: int32` becomes an integer range; `format: date-time` is checked (RFC 3339).
//! - **Enums**: compared **case-sensitively** (exact JSON equality). An enum marked
//!   `x-ms-enum.modelAsString: true` is *open* — Azure documents that new values may appear — and is not
//!   enforced (only its type is); an enum without `x-ms-enum` or with `modelAsString: false` is enforced.
//!   Every enum of the PIM, role-definition and approval specs is open; the closed ones are in the ARM
//!   common types (e.g. `Sku.tier`). [`ArmSpec::validate_request_body_closed_enums`] treats *every* enum
//!   as closed, to hold what a client sends to the documented values.
//! - **Discriminators**: a base with `discriminator` (policy rules, `ruleType`) dispatches, through
//!   `if`/`then`, to the subtype whose `x-ms-discriminator-value` (or, failing that, definition name)
//!   equals the discriminator property; an unknown value is checked against the base only. Subtypes
//!   extend (`allOf`) a non-dispatching copy of the base, so validation never recurses.
//! - **Not checked**: `readOnly` (fine in requests and responses), the `x-ms-*` extensions other than
//!   the two above, `description`s. Extra properties are allowed (these specs never forbid them).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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
    /// A spec file does not have the shape a Swagger 2.0 document must have.
    #[error("{file}: {problem}")]
    Malformed {
        /// The file, relative to `fixtures/`.
        file: String,
        /// What is wrong.
        problem: String,
    },
}

const PIM: &str = "arm/specification/authorization/resource-manager/Microsoft.Authorization";

/// The spec files loaded, relative to `fixtures/`, in load order.
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
    let mut files: Vec<String> = stable
        .iter()
        .map(|f| format!("{PIM}/stable/2020-10-01/{f}.json"))
        .collect();
    files.push(format!(
        "{PIM}/stable/2022-04-01/authorization-RoleDefinitionsCalls.json"
    ));
    files.push(format!("{PIM}/stable/2022-04-01/common-types.json"));
    files.push(format!(
        "{PIM}/preview/2021-01-01-preview/authorization-RoleAssignmentApprovalCalls.json"
    ));
    files.push("arm/specification/common-types/resource-management/v2/types.json".to_owned());
    files
}

/// Path of a fixture file inside this crate, e.g. `fixture_path("graph/directory/selfActivate.response.201.json")`.
pub fn fixture_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(relative)
}

/// Reads and parses a fixture JSON file.
pub fn fixture_json(relative: &str) -> Result<Value, SpecError> {
    read_json(&fixture_path(relative))
}

fn read_json(path: &Path) -> Result<Value, SpecError> {
    let text = std::fs::read_to_string(path).map_err(|source| SpecError::Io {
        path: path.to_owned(),
        source,
    })?;
    // Some spec files start with a byte-order mark.
    serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|source| SpecError::Json {
        path: path.to_owned(),
        source,
    })
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
    /// The example's parameters (the request body is under the body parameter's name, see
    /// [`ArmSpec::body_parameter`]).
    pub parameters: Value,
    /// Status → body (`Null` when the example has none).
    pub responses: BTreeMap<u16, Value>,
}

/// A converted schema, once with open enums (as documented) and once with every enum closed.
#[derive(Clone)]
struct Converted {
    open: Value,
    closed: Value,
}

struct Operation {
    method: String,
    path: String,
    file: usize,
    /// Name and schema of the `in: body` parameter.
    body: Option<(String, Converted)>,
    /// Status (or `default`) → schema (`None`: no body documented).
    responses: BTreeMap<String, Option<Value>>,
}

/// Which enums a validation enforces.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Enums {
    /// As documented: `modelAsString: true` enums are open.
    Documented,
    /// Every enum is closed.
    Closed,
}

/// The loaded ARM specs.
pub struct ArmSpec {
    files: Vec<String>,
    /// Raw definitions, keyed like `definitions` (used to tell identical same-named definitions apart).
    raw: HashMap<String, Value>,
    /// Converted definitions, keyed `d{file}_{name}` (plus `__plain` copies of discriminator bases).
    definitions: Map<String, Value>,
    /// The same with every enum closed.
    closed_definitions: Map<String, Value>,
    /// Definition name → keys, in file order.
    names: BTreeMap<String, Vec<String>>,
    operations: BTreeMap<String, Operation>,
    examples: Vec<Example>,
    missing_examples: Vec<String>,
    validators: Mutex<HashMap<(String, Enums), Arc<jsonschema::Validator>>>,
}

impl ArmSpec {
    /// Loads the PIM specs (2020-10-01: RoleEligibilityScheduleInstance, RoleEligibilitySchedule,
    /// RoleEligibilityScheduleRequest, RoleAssignmentScheduleInstance, RoleAssignmentSchedule,
    /// RoleAssignmentScheduleRequest, RoleManagementPolicy, RoleManagementPolicyAssignment,
    /// EligibleChildResources, common-types), role definitions and permissions (2022-04-01), approvals
    /// (2021-01-01-preview) and the ARM common types from this crate's fixtures, with their examples.
    pub fn load() -> Result<ArmSpec, SpecError> {
        let files = spec_files();
        let docs = files
            .iter()
            .map(|f| fixture_json(f))
            .collect::<Result<Vec<_>, _>>()?;
        for (file, doc) in files.iter().zip(&docs) {
            if doc.get("swagger").and_then(Value::as_str) != Some("2.0") {
                return Err(SpecError::Malformed {
                    file: file.clone(),
                    problem: "not a Swagger 2.0 document".into(),
                });
            }
        }

        let mut converter = Converter {
            files: &files,
            bases: HashMap::new(),
            closed: false,
        };
        // Discriminator bases, then their subtypes (value, key).
        for (i, doc) in docs.iter().enumerate() {
            for (name, def) in definitions_of(doc) {
                if let Some(prop) = def.get("discriminator").and_then(Value::as_str) {
                    converter.bases.insert(key(i, name), prop.to_owned());
                }
            }
        }
        let mut subtypes: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for (i, doc) in docs.iter().enumerate() {
            for (name, def) in definitions_of(doc) {
                let value = def
                    .get("x-ms-discriminator-value")
                    .and_then(Value::as_str)
                    .unwrap_or(name)
                    .to_owned();
                for parent in def
                    .get("allOf")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(target) = parent
                        .get("$ref")
                        .and_then(Value::as_str)
                        .map(|r| converter.resolve(i, r))
                        && converter.bases.contains_key(&target)
                    {
                        subtypes
                            .entry(target)
                            .or_default()
                            .push((value.clone(), key(i, name)));
                    }
                }
            }
        }

        let mut raw = HashMap::new();
        let mut names: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut all_definitions = [Map::new(), Map::new()];
        for (mode, definitions) in all_definitions.iter_mut().enumerate() {
            converter.closed = mode == 1;
            for (i, doc) in docs.iter().enumerate() {
                for (name, def) in definitions_of(doc) {
                    let k = key(i, name);
                    if mode == 0 {
                        names.entry(name.clone()).or_default().push(k.clone());
                        raw.insert(k.clone(), def.clone());
                    }
                    let is_subtype = subtypes.values().flatten().any(|(_, s)| *s == k);
                    let converted = converter.schema(i, def, is_subtype);
                    match converter.bases.get(&k) {
                        Some(prop) => {
                            // The base itself checks its own properties, then dispatches on the discriminator.
                            definitions.insert(format!("{k}__plain"), converted);
                            let mut all =
                                vec![json!({"$ref": format!("#/definitions/{k}__plain")})];
                            for (value, sub) in subtypes.get(&k).into_iter().flatten() {
                                all.push(json!({
                                    "if": {"type": "object", "properties": {prop.clone(): {"const": value}}, "required": [prop.clone()]},
                                    "then": {"$ref": format!("#/definitions/{sub}")}
                                }));
                            }
                            definitions.insert(k, json!({"allOf": all}));
                        }
                        None => {
                            definitions.insert(k, converted);
                        }
                    }
                }
            }
        }
        let [definitions, closed_definitions] = all_definitions;

        let mut operations = BTreeMap::new();
        let mut example_refs: Vec<(String, String)> = Vec::new();
        for (i, doc) in docs.iter().enumerate() {
            let dir = Path::new(&files[i])
                .parent()
                .map(Path::to_owned)
                .unwrap_or_default();
            let paths = ["paths", "x-ms-paths"]
                .into_iter()
                .filter_map(|section| doc.get(section))
                .filter_map(Value::as_object)
                .flatten();
            for (path, item) in paths {
                let Some(item) = item.as_object() else {
                    continue;
                };
                let shared = item
                    .get("parameters")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for (method, op) in item {
                    let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                        continue;
                    };
                    let parameters = op
                        .get("parameters")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .chain(&shared);
                    let mut body = None;
                    for p in parameters {
                        let (owner, p) = converter.parameter(&docs, i, p);
                        if p.get("in").and_then(Value::as_str) == Some("body") {
                            let name = p
                                .get("name")
                                .and_then(Value::as_str)
                                .unwrap_or("body")
                                .to_owned();
                            let schema = p.get("schema").cloned().unwrap_or_else(|| json!({}));
                            body = Some((name, converter.both(owner, &schema)));
                            break;
                        }
                    }
                    let responses = op
                        .get("responses")
                        .and_then(Value::as_object)
                        .into_iter()
                        .flatten()
                        .map(|(status, r)| {
                            (
                                status.clone(),
                                r.get("schema").map(|s| converter.both(i, s).open),
                            )
                        })
                        .collect();
                    for (_, example) in op
                        .get("x-ms-examples")
                        .and_then(Value::as_object)
                        .into_iter()
                        .flatten()
                    {
                        let Some(reference) = example.get("$ref").and_then(Value::as_str) else {
                            return Err(SpecError::Malformed {
                                file: files[i].clone(),
                                problem: format!("an x-ms-example of {id} has no $ref"),
                            });
                        };
                        example_refs.push((id.to_owned(), normalise(&dir.join(reference))));
                    }
                    // x-ms-paths may carry a query to tell otherwise identical paths apart.
                    let path = path.split('?').next().unwrap_or(path).to_owned();
                    let operation = Operation {
                        method: method.to_ascii_uppercase(),
                        path,
                        file: i,
                        body,
                        responses,
                    };
                    if operations.insert(id.to_owned(), operation).is_some() {
                        return Err(SpecError::Malformed {
                            file: files[i].clone(),
                            problem: format!("operation {id} is defined twice"),
                        });
                    }
                }
            }
        }

        let mut examples = Vec::new();
        let mut missing_examples = Vec::new();
        for (operation_id, file) in example_refs {
            let doc = match fixture_json(&file) {
                Ok(doc) => doc,
                Err(SpecError::Io { source, .. })
                    if source.kind() == std::io::ErrorKind::NotFound =>
                {
                    missing_examples.push(file);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let mut responses = BTreeMap::new();
            for (status, response) in doc
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let code = status.parse::<u16>().map_err(|_| SpecError::Malformed {
                    file: file.clone(),
                    problem: format!("response status {status:?} is not a number"),
                })?;
                responses.insert(code, response.get("body").cloned().unwrap_or(Value::Null));
            }
            let parameters = doc.get("parameters").cloned().unwrap_or(Value::Null);
            examples.push(Example {
                operation_id,
                api_version: parameters
                    .get("api-version")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                file,
                parameters,
                responses,
            });
        }

        Ok(ArmSpec {
            files,
            raw,
            definitions,
            closed_definitions,
            names,
            operations,
            examples,
            missing_examples,
            validators: Mutex::new(HashMap::new()),
        })
    }

    /// All operation ids, sorted.
    pub fn operation_ids(&self) -> Vec<String> {
        self.operations.keys().cloned().collect()
    }

    /// The operation's method and path template, e.g. `("PUT", "/{scope}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{roleAssignmentScheduleRequestName}")`.
    /// For operations under `x-ms-paths` the disambiguating query (`?disambiguation_dummy`) is dropped.
    pub fn operation(&self, operation_id: &str) -> Option<(String, String)> {
        self.operations
            .get(operation_id)
            .map(|o| (o.method.clone(), o.path.clone()))
    }

    /// Every `x-ms-example` of every loaded operation whose file is in the fixtures, ordered by operation
    /// id. The files the specs reference but the fixtures lack are [`ArmSpec::missing_examples`].
    pub fn examples(&self) -> Vec<Example> {
        self.examples.clone()
    }

    /// Example files the loaded specs reference that are not in the fixtures (relative to `fixtures/`):
    /// four role-definition examples of 2022-04-01, which the shared research folder did not copy.
    pub fn missing_examples(&self) -> &[String] {
        &self.missing_examples
    }

    /// The name of the operation's `in: body` parameter (the key of the request body in an example's
    /// `parameters`), e.g. `"parameters"` for `RoleAssignmentScheduleRequests_Create`.
    pub fn body_parameter(&self, operation_id: &str) -> Option<String> {
        self.operations
            .get(operation_id)?
            .body
            .as_ref()
            .map(|(name, _)| name.clone())
    }

    /// Validates a response body against the schema of `operation_id`'s response for `status`. An error
    /// status (400 and up) the operation does not list falls back to `default` (the error envelope); any
    /// other unlisted status is an error. A status documented without a schema accepts only no body
    /// (`Null`, `""` or `{}`).
    pub fn validate_response(
        &self,
        operation_id: &str,
        status: u16,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        let op = self.operation_or_error(operation_id)?;
        let (listed, schema) = match op.responses.get(&status.to_string()) {
            Some(schema) => (status.to_string(), schema),
            None if status >= 400 => match op.responses.get("default") {
                Some(schema) => ("default".to_owned(), schema),
                None => {
                    return Err(vec![format!(
                        "{operation_id} documents neither {status} nor a default response"
                    )]);
                }
            },
            None => {
                let documented: Vec<&str> = op.responses.keys().map(String::as_str).collect();
                return Err(vec![format!(
                    "{operation_id} does not document status {status} (it documents {})",
                    documented.join(", ")
                )]);
            }
        };
        let Some(schema) = schema else {
            return if body.is_null()
                || body.as_object().is_some_and(Map::is_empty)
                || body.as_str() == Some("")
            {
                Ok(())
            } else {
                Err(vec![format!(
                    "{operation_id} documents no body for {status}"
                )])
            };
        };
        self.validate_with(
            &format!("{operation_id}#{listed}"),
            schema,
            Enums::Documented,
            body,
        )
    }

    /// Validates a request body against the operation's `in: body` parameter schema.
    pub fn validate_request_body(
        &self,
        operation_id: &str,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        let schema = self.body_schema(operation_id)?;
        self.validate_with(
            &format!("{operation_id}#body"),
            &schema.open,
            Enums::Documented,
            body,
        )
    }

    /// Like [`ArmSpec::validate_request_body`], but with every enum closed (exact, case-sensitive
    /// values), including the `modelAsString: true` ones: what a client sends should use the documented
    /// values, even where Azure's responses may bring new ones.
    pub fn validate_request_body_closed_enums(
        &self,
        operation_id: &str,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        let schema = self.body_schema(operation_id)?;
        self.validate_with(
            &format!("{operation_id}#body"),
            &schema.closed,
            Enums::Closed,
            body,
        )
    }

    /// Validates against a named definition, e.g. `"RoleAssignmentScheduleRequest"`, `"CloudError"`.
    /// A name defined in several loaded files is accepted when those definitions are identical;
    /// otherwise qualify it with the file it comes from, as `"{file-stem}:{name}"` or
    /// `"{folder}/{file-stem}:{name}"`, e.g. `"RoleEligibilitySchedule:ExpandedProperties"`,
    /// `"v2/types:ErrorResponse"`, `"2022-04-01/common-types:Permission"`.
    pub fn validate_definition(&self, definition: &str, value: &Value) -> Result<(), Vec<String>> {
        let k = self.definition_key(definition)?;
        self.validate_with(
            &k,
            &json!({"$ref": format!("#/definitions/{k}")}),
            Enums::Documented,
            value,
        )
    }

    /// The loaded spec files, relative to `fixtures/`, in load order.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// The spec file an operation is defined in, relative to `fixtures/`.
    pub fn operation_file(&self, operation_id: &str) -> Option<&str> {
        self.operations
            .get(operation_id)
            .and_then(|o| self.files.get(o.file))
            .map(String::as_str)
    }

    fn operation_or_error(&self, operation_id: &str) -> Result<&Operation, Vec<String>> {
        self.operations
            .get(operation_id)
            .ok_or_else(|| vec![format!("unknown operation {operation_id}")])
    }

    fn body_schema(&self, operation_id: &str) -> Result<&Converted, Vec<String>> {
        let op = self.operation_or_error(operation_id)?;
        op.body
            .as_ref()
            .map(|(_, schema)| schema)
            .ok_or_else(|| vec![format!("{operation_id} takes no body")])
    }

    fn definition_key(&self, definition: &str) -> Result<String, Vec<String>> {
        let (qualifier, name) = match definition.rsplit_once(':') {
            Some((q, n)) => (Some(q), n),
            None => (None, definition),
        };
        let keys = self
            .names
            .get(name)
            .ok_or_else(|| vec![format!("no definition named {name}")])?;
        let candidates: Vec<&String> = match qualifier {
            Some(q) => {
                let wanted = format!("/{}", q.trim_end_matches(".json"));
                keys.iter()
                    .filter(|k| {
                        self.file_of_key(k)
                            .is_some_and(|f| f.trim_end_matches(".json").ends_with(&wanted))
                    })
                    .collect()
            }
            None => keys.iter().collect(),
        };
        let files = |c: &[&String]| {
            c.iter()
                .filter_map(|k| self.file_of_key(k))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match candidates.as_slice() {
            [] => Err(vec![format!(
                "no definition {name} in a file matching {qualifier:?} (it is in {})",
                files(&keys.iter().collect::<Vec<_>>())
            )]),
            [first, rest @ ..] => {
                if rest
                    .iter()
                    .all(|k| self.raw.get(*k) == self.raw.get(*first))
                {
                    Ok((*first).clone())
                } else {
                    Err(vec![format!(
                        "{name} differs between {}; qualify it as \"file-stem:{name}\"",
                        files(&candidates)
                    )])
                }
            }
        }
    }

    fn file_of_key(&self, k: &str) -> Option<&str> {
        let index = k
            .strip_prefix('d')?
            .split_once('_')?
            .0
            .parse::<usize>()
            .ok()?;
        self.files.get(index).map(String::as_str)
    }

    fn validate_with(
        &self,
        cache_key: &str,
        schema: &Value,
        enums: Enums,
        value: &Value,
    ) -> Result<(), Vec<String>> {
        if value.is_null() {
            return Err(vec![format!(
                "(root): the body is null where {cache_key} documents one"
            )]);
        }
        let validator = {
            let mut cache = self
                .validators
                .lock()
                .map_err(|_| vec!["validator cache poisoned".to_owned()])?;
            match cache.get(&(cache_key.to_owned(), enums)) {
                Some(v) => Arc::clone(v),
                None => {
                    let definitions = match enums {
                        Enums::Documented => &self.definitions,
                        Enums::Closed => &self.closed_definitions,
                    };
                    let root = json!({"allOf": [schema], "definitions": definitions});
                    let built = jsonschema::draft7::options()
                        .should_validate_formats(true)
                        .build(&root)
                        .map_err(|e| {
                            vec![format!(
                                "the converted schema for {cache_key} does not compile: {e}"
                            )]
                        })?;
                    let built = Arc::new(built);
                    cache.insert((cache_key.to_owned(), enums), Arc::clone(&built));
                    built
                }
            }
        };
        let mut errors: Vec<String> = validator
            .iter_errors(value)
            .map(|e| {
                let pointer = e.instance_path().to_string();
                format!(
                    "{}: {e}",
                    if pointer.is_empty() {
                        "(root)"
                    } else {
                        pointer.as_str()
                    }
                )
            })
            .collect();
        errors.dedup();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

fn definitions_of(doc: &Value) -> impl Iterator<Item = (&String, &Value)> {
    doc.get("definitions")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
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
    /// Whether every enum is closed (otherwise `modelAsString: true` enums are open).
    closed: bool,
}

impl Converter<'_> {
    /// The index of the file a `$ref` in file `from` points into, and the last segment of its pointer.
    fn target<'r>(&self, from: usize, reference: &'r str) -> (usize, &'r str) {
        let (file, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        let name = pointer.rsplit('/').next().unwrap_or_default();
        if file.is_empty() {
            return (from, name);
        }
        let dir = self
            .files
            .get(from)
            .and_then(|f| Path::new(f).parent())
            .map(Path::to_owned)
            .unwrap_or_default();
        let wanted = normalise(&dir.join(file));
        (
            self.files
                .iter()
                .position(|f| *f == wanted)
                .unwrap_or(usize::MAX),
            name,
        )
    }

    /// The definition key a `$ref` in file `from` points to.
    fn resolve(&self, from: usize, reference: &str) -> String {
        let (file, name) = self.target(from, reference);
        key(file, name)
    }

    /// A parameter, following `$ref` to a `parameters` section (of any loaded file), with the file it is
    /// defined in (its schema's `$ref`s are relative to that file).
    fn parameter(&self, docs: &[Value], from: usize, p: &Value) -> (usize, Value) {
        match p.get("$ref").and_then(Value::as_str) {
            Some(r) if r.contains("#/parameters/") => {
                let (file, name) = self.target(from, r);
                let found = docs
                    .get(file)
                    .and_then(|d| d.get("parameters"))
                    .and_then(|ps| ps.get(name));
                (file, found.cloned().unwrap_or(Value::Null))
            }
            _ => (from, p.clone()),
        }
    }

    /// Converts a schema with the current enum mode and with every enum closed.
    fn both(&mut self, from: usize, node: &Value) -> Converted {
        let saved = self.closed;
        self.closed = false;
        let open = self.schema(from, node, false);
        self.closed = true;
        let closed = self.schema(from, node, false);
        self.closed = saved;
        Converted { open, closed }
    }

    /// Swagger 2.0 schema → JSON Schema draft 7 (see the crate docs). `extends_base`: this is a subtype
    /// of a discriminator base, whose `allOf` must point at the non-dispatching copy of the base.
    fn schema(&self, from: usize, node: &Value, extends_base: bool) -> Value {
        let Some(object) = node.as_object() else {
            return node.clone();
        };
        let mut out = Map::new();
        let open_enum = !self.closed
            && object
                .get("x-ms-enum")
                .and_then(|e| e.get("modelAsString"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
        for (k, v) in object {
            match k.as_str() {
                "$ref" => {
                    let target = self.resolve(from, v.as_str().unwrap_or_default());
                    let target = if extends_base && self.bases.contains_key(&target) {
                        format!("{target}__plain")
                    } else {
                        target
                    };
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
                "format" => match v.as_str() {
                    Some("date-time") => {
                        out.insert("format".into(), v.clone());
                    }
                    Some("int32") => {
                        out.entry("minimum").or_insert(json!(i32::MIN));
                        out.entry("maximum").or_insert(json!(i32::MAX));
                    }
                    _ => {}
                },
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
                    let all = v
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|s| self.schema(from, s, extends_base))
                        .collect();
                    out.insert("allOf".into(), Value::Array(all));
                }
                // (Swagger's boolean `exclusiveMinimum`/`exclusiveMaximum` are draft 4's; none occur in these specs.)
                "required" | "minimum" | "maximum" | "minLength" | "maxLength" | "pattern"
                | "minItems" | "maxItems" | "uniqueItems" | "multipleOf" => {
                    out.insert(k.clone(), v.clone());
                }
                _ => {}
            }
        }
        if !object.contains_key("type") {
            if object.contains_key("properties") {
                out.insert("type".into(), json!(["object", "null"]));
            } else if object.contains_key("items") {
                out.insert("type".into(), json!(["array", "null"]));
            }
        }
        // Draft 7 ignores a `$ref`'s siblings; keep any that survived conversion (in practice none do: they
        // are descriptions, `readOnly` and `x-ms-*`) by wrapping both in `allOf`.
        if out.contains_key("$ref") && out.len() > 1 {
            let reference = out.remove("$ref").unwrap_or(Value::Null);
            let mut wrapped = Map::new();
            wrapped.insert(
                "allOf".into(),
                json!([{ "$ref": reference }, Value::Object(out)]),
            );
            return Value::Object(wrapped);
        }
        Value::Object(out)
    }
}
