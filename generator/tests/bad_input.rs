//! Every class of broken spec gets a clear diagnostic with its file, line and
//! column, all problems are reported at once, and nothing is generated.

use std::fs;
use std::path::Path;

use docker_codegen::{Diagnostic, Error, LowerOptions};

const API: &str = "title: T
api_version: \"1.24\"
oldest_version: \"1.18\"
version_prefix: /v1.24
default_endpoint: unix:///var/run/docker.sock
error_body: Problem
tags:
  - name: things
types:
  Problem:
    struct:
      message: { type: string }
";

/// Writes `api.yaml` (the default one unless given) and `things.yaml`, then validates.
fn problems(things: &str) -> Vec<Diagnostic> {
    problems_with(API, things)
}

fn problems_with(api: &str, things: &str) -> Vec<Diagnostic> {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("api.yaml"), api).unwrap();
    fs::write(dir.path().join("things.yaml"), things).unwrap();
    match docker_codegen::load_spec(dir.path()) {
        Ok(_) => vec![],
        Err(d) => d.0,
    }
}

/// Asserts exactly one problem, in `file` at `line`, whose message contains `text`.
fn assert_one(found: &[Diagnostic], file: &str, line: usize, text: &str) {
    assert_eq!(found.len(), 1, "expected one problem, got: {found:#?}");
    let d = &found[0];
    assert!(d.file.ends_with(file), "wrong file: {d}");
    assert_eq!(d.line, line, "wrong line: {d}");
    assert!(
        d.message.contains(text),
        "message `{}` lacks `{text}`",
        d.message
    );
}

const OK_OP: &str = "tag: things
operations:
  - id: thing_get
    summary: Get a thing
    method: GET
    path: /things/{id}
    path_params:
      - { name: id, type: string }
    responses:
      200: { kind: json, type: Thing }
types:
  Thing:
    struct:
      Name: { type: string }
";

#[test]
fn a_valid_spec_has_no_problems() {
    assert_eq!(problems(OK_OP), vec![]);
}

#[test]
fn yaml_syntax_error_points_at_the_line() {
    let broken = OK_OP.replace("    summary: Get a thing", "    summary: Get: a thing");
    assert_one(
        &problems(&broken),
        "things.yaml",
        4,
        "mapping values are not allowed",
    );
}

#[test]
fn unknown_keys_are_all_reported_with_their_lines() {
    let broken = OK_OP
        .replace(
            "    summary: Get a thing\n",
            "    summary: Get a thing\n    sumary: typo\n",
        )
        .replace(
            "      Name: { type: string }",
            "      Name: { type: string, requried: true }",
        );
    let found = problems(&broken);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(found[0].line, 5);
    assert!(
        found[0].message.contains("unknown key `sumary`"),
        "{}",
        found[0]
    );
    assert_eq!(found[1].line, 15);
    assert!(
        found[1].message.contains("unknown key `requried`"),
        "{}",
        found[1]
    );
}

#[test]
fn undefined_type_suggests_the_closest_name() {
    let broken = OK_OP.replace("type: Thing }", "type: Thingg }");
    assert_one(
        &problems(&broken),
        "things.yaml",
        10,
        "type `Thingg` is not defined; did you mean `Thing`?",
    );
}

#[test]
fn duplicate_operation_ids_name_the_first_place() {
    let broken = format!(
        "{}  - id: thing_get\n    summary: Again\n    method: DELETE\n    path: /things/{{id}}\n    path_params:\n      - {{ name: id, type: string }}\n    responses:\n      204: {{ doc: gone }}\n",
        OK_OP.split("types:").next().unwrap()
    ) + "types:\n  Thing:\n    struct:\n      Name: { type: string }\n";
    let found = problems(&broken);
    assert_one(
        &found,
        "things.yaml",
        11,
        "operation id `thing_get` is already used at",
    );
    assert!(found[0].message.contains("things.yaml:3:"), "{}", found[0]);
}

#[test]
fn a_duplicate_erratum_id_names_the_first_place_in_the_other_file() {
    let api =
        format!("{API}    errata:\n      - id: twice\n        doc_says: a\n        actual: b\n");
    let things = OK_OP.to_string()
        + "    errata:\n      - id: twice\n        doc_says: c\n        actual: d\n";
    let found = problems_with(&api, &things);
    assert_one(
        &found,
        "things.yaml",
        16,
        "erratum id `twice` is already used at",
    );
    assert!(found[0].message.contains("api.yaml:14:9"), "{}", found[0]);
}

#[test]
fn duplicate_method_and_path_is_reported_even_with_other_placeholder_names() {
    let broken = format!(
        "{}  - id: thing_get_again\n    summary: Again\n    method: GET\n    path: /things/{{name}}\n    path_params:\n      - {{ name: name, type: string }}\n    responses:\n      200: {{ doc: ok }}\n",
        OK_OP.split("types:").next().unwrap()
    ) + "types:\n  Thing:\n    struct:\n      Name: { type: string }\n";
    assert_one(
        &problems(&broken),
        "things.yaml",
        14,
        "GET /things/{name} is already served",
    );
}

#[test]
fn placeholder_without_parameter() {
    let broken = OK_OP.replace("path: /things/{id}", "path: /things/{id}/{part}");
    assert_one(
        &problems(&broken),
        "things.yaml",
        6,
        "placeholder `{part}` but no path parameter named `part`",
    );
}

#[test]
fn parameter_without_placeholder() {
    let broken = OK_OP.replace("path: /things/{id}", "path: /things");
    assert_one(
        &problems(&broken),
        "things.yaml",
        8,
        "path parameter `id` does not appear in the path",
    );
}

#[test]
fn status_code_out_of_range_or_not_a_number() {
    let broken = OK_OP.replace(
        "      200: { kind: json, type: Thing }",
        "      200: { kind: json, type: Thing }\n      2xx: { doc: any }\n      700: { doc: nope }",
    );
    let found = problems(&broken);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!((found[0].line, found[1].line), (11, 12));
    assert!(found[0]
        .message
        .contains("status code `2xx` is not a number in 100..599"));
    assert!(found[1]
        .message
        .contains("status code `700` is not a number in 100..599"));
}

#[test]
fn duplicate_enum_values() {
    let broken = format!("{OK_OP}  Color:\n    enum: [red, green, red]\n");
    assert_one(
        &problems(&broken),
        "things.yaml",
        16,
        "lists the value `red` twice",
    );
}

#[test]
fn since_later_than_the_api_version() {
    let broken = OK_OP.replace(
        "      Name: { type: string }",
        "      Name: { type: string, since: \"1.25\" }",
    );
    assert_one(
        &problems(&broken),
        "things.yaml",
        14,
        "since 1.25 is later than the spec's api_version 1.24",
    );
}

#[test]
fn alias_cycle() {
    let broken = format!("{OK_OP}  A:\n    alias: list<B>\n  B:\n    alias: map<A>\n");
    let found = problems(&broken);
    assert_one(&found, "things.yaml", 16, "alias cycle: A -> B -> A");
}

#[test]
fn problems_in_several_files_are_all_reported_in_order() {
    let api = API.replace("error_body: Problem", "error_body: Problm");
    let things = OK_OP.replace("type: Thing }", "type: Thingg }");
    let found = problems_with(&api, &things);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(
        found[0].file.ends_with("api.yaml") && found[0].line == 6,
        "{}",
        found[0]
    );
    assert!(found[0].message.contains("did you mean `Problem`?"));
    assert!(
        found[1].file.ends_with("things.yaml") && found[1].line == 10,
        "{}",
        found[1]
    );
}

#[test]
fn a_broken_spec_writes_nothing() {
    let spec = tempfile::tempdir().unwrap();
    fs::write(spec.path().join("api.yaml"), API).unwrap();
    fs::write(
        spec.path().join("things.yaml"),
        OK_OP.replace("type: Thing }", "type: Nope }"),
    )
    .unwrap();
    let result = docker_codegen::generate(spec.path(), &LowerOptions::default());
    let Err(Error::Spec(d)) = result else {
        panic!("expected spec problems")
    };
    assert_eq!(d.len(), 1);
    // The CLI writes only after generation succeeded; nothing exists to write.
    let out = tempfile::tempdir().unwrap();
    assert!(fs::read_dir(out.path()).unwrap().next().is_none());
    assert!(!Path::new(&out.path().join("src")).exists());
}

#[test]
fn outcome_variants_must_be_names_and_distinct() {
    let bad_name = OK_OP.replace(
        "      200: { kind: json, type: Thing }",
        "      200: { kind: json, type: Thing, variant: found it }",
    );
    assert_one(
        &problems(&bad_name),
        "things.yaml",
        10,
        "variant `found it` must be UpperCamelCase",
    );
    let clash = OK_OP.replace(
        "      200: { kind: json, type: Thing }",
        "      200: { kind: json, type: Thing }\n      304: { variant: Ok }",
    );
    assert_one(
        &problems(&clash),
        "things.yaml",
        11,
        "statuses 200 and 304 both get the variant `Ok`",
    );
}

#[test]
fn send_null_needs_an_optional_nullable_field() {
    let broken = OK_OP.replace(
        "      Name: { type: string }",
        "      Name: { type: string, send_null: true }",
    );
    assert_one(
        &problems(&broken),
        "things.yaml",
        14,
        "`send_null` needs `nullable: true`",
    );
    let fine = OK_OP.replace(
        "      Name: { type: string }",
        "      Name: { type: string, nullable: true, send_null: true }",
    );
    assert_eq!(problems(&fine), vec![]);
}

#[test]
fn tty_source_is_container_or_exec() {
    let broken = OK_OP.replace(
        "    method: GET\n",
        "    method: GET\n    tty_source: process\n",
    );
    assert_one(
        &problems(&broken),
        "things.yaml",
        6,
        "tty_source `process` is not one of container, exec",
    );
}

#[test]
fn names_with_one_letter_words_are_linted_not_refused() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("api.yaml"), API).unwrap();
    let things = OK_OP.replace(
        "      Name: { type: string }",
        "      Name: { type: string }\n      ExecIDs: { type: list<string> }\n      IDs: { type: list<string>, rust_name: ids }",
    ).replace(
        "      - { name: id, type: string }",
        "      - { name: id, type: string }\n    query:\n      - { name: t, type: i64 }",
    );
    fs::write(dir.path().join("things.yaml"), things).unwrap();
    let spec = docker_codegen::load_spec(dir.path()).expect("a lint is not an error");
    let warnings = docker_codegen::validate::lint(&spec);
    let lines: Vec<(usize, &str)> = warnings
        .iter()
        .map(|d| (d.line, d.message.as_str()))
        .collect();
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert_eq!(lines[0].0, 10);
    assert!(lines[0].1.contains("`t` becomes `t`"), "{}", lines[0].1);
    // `ExecIDs` reads `exec_ids` now; the spec's own files lint clean.
    let ir = docker_codegen::build_ir(dir.path(), &LowerOptions::default()).unwrap();
    let docker_codegen::ir::TypeKind::Struct(fields) = &ir.types["Thing"].kind else {
        panic!("Thing is a struct");
    };
    assert!(fields.iter().any(|f| f.rust_name == "exec_ids"));
}

#[test]
fn names_that_cannot_be_rust_identifiers_are_refused_where_written() {
    // A tag that is not a module name, or one the crate keeps for itself.
    let api = API.replace(
        "  - name: things",
        "  - name: 1st\n  - name: common\n  - name: things",
    );
    let found = problems_with(&api, OK_OP);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!((found[0].line, found[1].line), (8, 9));
    assert!(
        found[0]
            .message
            .contains("tag `1st` cannot name a Rust module"),
        "{}",
        found[0].message
    );
    assert!(
        found[1]
            .message
            .contains("a module the generated crate keeps"),
        "{}",
        found[1].message
    );

    // A keyword or a method `Docker` already has as an operation id.
    for (id, text) in [
        ("type", "is a Rust keyword"),
        ("new", "collides with a method"),
    ] {
        let broken = OK_OP.replace("id: thing_get", &format!("id: {id}"));
        assert_one(&problems(&broken), "things.yaml", 3, text);
    }

    // A rust_name that is not an identifier.
    let broken = OK_OP.replace(
        "      Name: { type: string }",
        "      Name: { type: string, rust_name: \"driver name\" }",
    );
    assert_one(
        &problems(&broken),
        "things.yaml",
        14,
        "is not a snake_case Rust identifier",
    );
    let broken = OK_OP.replace(
        "      - { name: id, type: string }",
        "      - { name: id, type: string, rust_name: self }",
    );
    assert_one(
        &problems(&broken),
        "things.yaml",
        8,
        "`self` is a Rust keyword",
    );

    // A model named like a std type, or like an operation's generated type.
    let broken =
        format!("{OK_OP}  String:\n    struct: {{}}\n  ThingGetOptions:\n    struct: {{}}\n");
    let found = problems(&broken);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(
        found[0].message.contains("type `String` would shadow"),
        "{}",
        found[0].message
    );
    assert!(
        found[1]
            .message
            .contains("collides with the `Options` type generated for operation `thing_get`"),
        "{}",
        found[1].message
    );
}

#[test]
fn versioned_alternatives_must_tile_the_item_life() {
    let alternatives = |first_end: &str, second_start: &str| {
        OK_OP.replace(
            "      Name: { type: string }",
            &format!(
                "      Name:\n        versions:\n          - {{ type: string, removed_in: \"{first_end}\" }}\n          - {{ type: list<string>, since: \"{second_start}\" }}"
            ),
        )
    };
    assert_eq!(problems(&alternatives("1.21", "1.21")), vec![]);
    assert_one(
        &problems(&alternatives("1.21", "1.20")),
        "things.yaml",
        17,
        "alternative 1 starts at 1.20, before alternative 0 is removed in 1.21: they overlap",
    );
    assert_one(
        &problems(&alternatives("1.21", "1.22")),
        "things.yaml",
        17,
        "versions 1.21 to 1.21 have neither",
    );
    // The shape lives in the alternatives, not beside them.
    let broken = alternatives("1.21", "1.21")
        .replace("      Name:\n", "      Name:\n        type: string\n");
    assert_one(
        &problems(&broken),
        "things.yaml",
        15,
        "an item with `versions` takes only",
    );
}

#[test]
fn versions_must_lie_in_the_spec_range_and_in_order() {
    for (field, line_text) in [
        (
            "{ type: string, since: \"1.12\" }",
            "before the spec's oldest_version 1.18",
        ),
        (
            "{ type: string, removed_in: \"1.30\" }",
            "later than the spec's api_version 1.24",
        ),
        (
            "{ type: string, since: \"1.22\", removed_in: \"1.21\" }",
            "removed_in 1.21 is not after since 1.22",
        ),
        (
            "{ type: string, deprecated: { version: \"1.10\", reason: old } }",
            "deprecated at 1.10",
        ),
    ] {
        let broken = OK_OP.replace(
            "      Name: { type: string }",
            &format!("      Name: {field}"),
        );
        assert_one(&problems(&broken), "things.yaml", 14, line_text);
    }
}

#[test]
fn a_type_used_where_it_does_not_exist_yet_is_refused() {
    let broken = format!(
        "{}  Badge:\n    since: \"1.21\"\n    struct:\n      Text: {{ type: string }}\n",
        OK_OP.replace(
            "      Name: { type: string }",
            "      Name: { type: string }\n      Badge: { type: Badge }\n      Later: { type: Badge, since: \"1.22\" }"
        )
    );
    assert_one(
        &problems(&broken),
        "things.yaml",
        15,
        "`Badge` exists at 1.21 on, but is used here at 1.18 on",
    );
}

#[test]
fn lowering_picks_the_alternative_of_the_version() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("api.yaml"), API).unwrap();
    let things = OK_OP.replace(
        "      Name: { type: string }",
        "      Name:\n        doc: What it is called.\n        versions:\n          - { type: string, removed_in: \"1.21\" }\n          - { type: list<string>, since: \"1.21\", deprecated: { version: \"1.23\", reason: use Names } }\n      Gone: { type: i64, removed_in: \"1.20\" }",
    );
    fs::write(dir.path().join("things.yaml"), things).unwrap();
    let field = |version: &str| {
        let ir = docker_codegen::build_ir(
            dir.path(),
            &LowerOptions {
                api_version: Some(version.into()),
            },
        )
        .unwrap();
        let docker_codegen::ir::TypeKind::Struct(fields) = &ir.types["Thing"].kind else {
            panic!("Thing is a struct");
        };
        fields.clone()
    };
    let old = field("1.18");
    assert_eq!(
        old.iter().map(|f| f.json_name.as_str()).collect::<Vec<_>>(),
        ["Name", "Gone"]
    );
    assert_eq!(old[0].ty.to_string(), "string");
    assert_eq!(old[0].doc, "What it is called.");
    let new = field("1.24");
    // A removed field stays, optional, with its removal recorded: a client
    // of a 1.19 daemon still receives it.
    assert_eq!(
        new.iter().map(|f| f.json_name.as_str()).collect::<Vec<_>>(),
        ["Name", "Gone"]
    );
    assert_eq!(new[1].versions.removed_in.as_deref(), Some("1.20"));
    assert!(!new[1].required);
    assert_eq!(new[0].ty.to_string(), "list<string>");
    assert_eq!(new[0].versions.since.as_deref(), Some("1.21"));
    assert_eq!(
        new[0].versions.deprecated.as_ref().unwrap().reason,
        "use Names"
    );
    // Every version of the range generates.
    for minor in 18..=24 {
        docker_codegen::generate(
            dir.path(),
            &LowerOptions {
                api_version: Some(format!("1.{minor}")),
            },
        )
        .unwrap_or_else(|e| panic!("1.{minor}: {e}"));
    }
}

#[test]
fn a_struct_field_given_twice_names_both_places() {
    // serde would keep the second, `i64`, without a word.
    let broken = OK_OP.replace(
        "      Name: { type: string }",
        "      Name: { type: string }\n      Name: { type: i64 }",
    );
    let found = problems(&broken);
    assert_one(
        &found,
        "things.yaml",
        15,
        "key `Name` is given twice in types.Thing.struct: it is already given at",
    );
    assert_eq!(found[0].column, 7, "{}", found[0]);
    assert!(
        found[0].message.contains("things.yaml:14:7"),
        "{}",
        found[0]
    );
}

#[test]
fn a_type_defined_twice_in_one_file_names_both_places() {
    let broken = format!("{OK_OP}  Thing:\n    struct:\n      Other: {{ type: i64 }}\n");
    let found = problems(&broken);
    assert_one(
        &found,
        "things.yaml",
        15,
        "key `Thing` is given twice in types: it is already given at",
    );
    assert!(
        found[0].message.contains("things.yaml:12:3"),
        "{}",
        found[0]
    );
}

#[test]
fn a_status_written_as_number_and_as_string_is_one_key_twice() {
    let broken = OK_OP.replace(
        "      200: { kind: json, type: Thing }",
        "      200: { kind: json, type: Thing }\n      \"200\": { doc: again }",
    );
    let found = problems(&broken);
    assert_one(
        &found,
        "things.yaml",
        11,
        "key `200` is given twice in operations[0].responses: it is already given at",
    );
    assert!(
        found[0].message.contains("things.yaml:10:7"),
        "{}",
        found[0]
    );

    // Two keys to YAML, one status.
    let broken = OK_OP.replace(
        "      200: { kind: json, type: Thing }",
        "      200: { kind: json, type: Thing }\n      \"0200\": { doc: again }",
    );
    let found = problems(&broken);
    assert_one(
        &found,
        "things.yaml",
        11,
        "status 200 is given twice (as `0200`): it is already given at",
    );
    assert!(
        found[0].message.contains("things.yaml:10:7"),
        "{}",
        found[0]
    );
}

#[test]
fn a_key_repeated_at_the_top_of_a_tag_file_names_both_places() {
    // serde refuses this one itself, but without the first place.
    let broken = format!("{OK_OP}tag: others\n");
    let found = problems(&broken);
    assert_one(
        &found,
        "things.yaml",
        15,
        "key `tag` is given twice in the top level: it is already given at",
    );
    assert_eq!(found[0].column, 1, "{}", found[0]);
    assert!(found[0].message.contains("things.yaml:1:1"), "{}", found[0]);
}

#[test]
fn a_key_repeated_in_an_operation_or_a_field_names_both_places() {
    let broken = OK_OP.replace("    method: GET\n", "    method: GET\n    summary: Again\n");
    let found = problems(&broken);
    assert_one(
        &found,
        "things.yaml",
        6,
        "key `summary` is given twice in operations[0]: it is already given at",
    );
    assert!(found[0].message.contains("things.yaml:4:5"), "{}", found[0]);

    let broken = OK_OP.replace(
        "      Name: { type: string }",
        "      Name: { type: string, type: i64 }",
    );
    let found = problems(&broken);
    assert_one(
        &found,
        "things.yaml",
        14,
        "key `type` is given twice in types.Thing.struct.Name: it is already given at",
    );
    assert_eq!(found[0].column, 29, "{}", found[0]);
    assert!(
        found[0].message.contains("things.yaml:14:15"),
        "{}",
        found[0]
    );
}

#[test]
fn a_filter_set_holds_only_lists_of_terms() {
    let broken = format!(
        "{OK_OP}  ThingFilters:\n    filters: true\n    struct:\n      label: {{ type: list<string> }}\n      size: {{ type: i64 }}\n"
    );
    assert_one(
        &problems(&broken),
        "things.yaml",
        19,
        "filter `size` of `ThingFilters` must be `list<string>`",
    );
    let clash = format!(
        "{OK_OP}  ThingFilters:\n    filters: true\n    struct:\n      other: {{ type: list<string> }}\n"
    );
    assert_one(
        &problems(&clash),
        "things.yaml",
        18,
        "would be the Rust field `other`",
    );
    let required = format!(
        "{OK_OP}  ThingFilters:\n    filters: true\n    struct:\n      label: {{ type: list<string>, required: true }}\n"
    );
    assert_one(
        &problems(&required),
        "things.yaml",
        18,
        "filter `label` of `ThingFilters` cannot be `required`",
    );
}
