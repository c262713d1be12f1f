// Writes KubeVirt's CustomResourceDefinitions (apiextensions.k8s.io/v1, JSON) from the OpenAPI validation
// schemas KubeVirt ships in its operator (validations_generated.go: a Go map from a resource's singular
// name to a YAML `openAPIV3Schema`), shaped as KubeVirt's own operator shapes them (crds.go): names,
// served versions, the status subresource. Run by scripts/setup-kubevirt-crds.sh; never committed.
//   node crds.js <validations_generated.go> <output directory>
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const YAML = require("yaml");

const [source, out] = process.argv.slice(2);
const text = fs.readFileSync(source, "utf8");
const schemas = {};
for (const m of text.matchAll(/^\t"([a-z]+)": `([^`]*)`,$/gm)) schemas[m[1]] = YAML.parse(m[2]).openAPIV3Schema;

const status = { status: {} };
const core = (singular, kind, shortNames, subresources) => ({
  group: "kubevirt.io",
  singular,
  kind,
  shortNames,
  // kubevirt.io/api core/v1 ApiSupportedVersions: v1 stored, v1alpha3 still served and deprecated.
  versions: [
    { name: "v1", served: true, storage: true, subresources },
    { name: "v1alpha3", served: true, storage: false, deprecated: true, subresources },
  ],
});
const snapshot = (singular, kind, shortNames) => ({
  group: "snapshot.kubevirt.io",
  singular,
  kind,
  shortNames,
  versions: [
    { name: "v1alpha1", served: true, storage: false, subresources: status },
    { name: "v1beta1", served: true, storage: true, subresources: status },
  ],
});
const definitions = [
  core("kubevirt", "KubeVirt", ["kv", "kvs"], status),
  core("virtualmachine", "VirtualMachine", ["vm", "vms"], status),
  core("virtualmachineinstance", "VirtualMachineInstance", ["vmi", "vmis"], undefined),
  snapshot("virtualmachinesnapshot", "VirtualMachineSnapshot", ["vmsnapshot", "vmsnapshots"]),
  snapshot("virtualmachinesnapshotcontent", "VirtualMachineSnapshotContent", [
    "vmsnapshotcontent",
    "vmsnapshotcontents",
  ]),
  snapshot("virtualmachinerestore", "VirtualMachineRestore", ["vmrestore", "vmrestores"]),
];

fs.mkdirSync(out, { recursive: true });
for (const d of definitions) {
  const schema = schemas[d.singular];
  if (!schema) throw new Error(`no validation schema for ${d.singular} in ${source}`);
  const plural = `${d.singular}s`;
  const crd = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${d.group}` },
    spec: {
      group: d.group,
      scope: "Namespaced",
      names: { plural, singular: d.singular, kind: d.kind, shortNames: d.shortNames, categories: ["all"] },
      versions: d.versions.map((v) => ({
        ...v,
        ...(v.subresources ? {} : { subresources: undefined }),
        schema: { openAPIV3Schema: schema },
      })),
    },
  };
  fs.writeFileSync(path.join(out, `${plural}.${d.group}.json`), JSON.stringify(crd));
}
console.log(definitions.length);
