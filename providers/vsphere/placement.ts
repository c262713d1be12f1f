/**
 * Where a VM goes: the datacenter, VM folder, resource pool, datastore and network named in config, or
 * the defaults vCenter itself answers with (its only datacenter, that datacenter's VM folder, the first
 * cluster's root resource pool, the template's datastore and network).
 */
import type { MoRef, SoapObject, XmlNode } from "./soap";
import { moRef, moRefOf, textOf } from "./soap";
import type { Vim } from "./vim";
import { VimError } from "./vim";

/** Placement as the user names it (inventory paths or names); unset parts are found by asking vCenter. */
export interface PlacementRequest {
  datacenter?: string;
  cluster?: string;
  resourcePool?: string;
  folder?: string;
  datastore?: string;
  network?: string;
}

/** A network a network card can be attached to, with the backing that attaches it. */
export interface NetworkChoice {
  ref: MoRef;
  name: string;
  backing: SoapObject;
}

export interface Placement {
  datacenter: { ref: MoRef; name: string };
  folder: MoRef;
  pool: MoRef;
  datastore?: MoRef;
  network?: NetworkChoice;
}

const NETWORK_TYPES = new Set(["Network", "DistributedVirtualPortgroup", "OpaqueNetwork"]);

const ref = (r: MoRef) => moRef(r.type, r.value);

/** An image id as a template reference: a managed object id (`vm-42`), an inventory path, or a path in the datacenter's VM folder. */
export async function findTemplate(vim: Vim, datacenterName: string, id: string): Promise<MoRef | undefined> {
  if (/^vm-\d+$/.test(id)) {
    try {
      await vim.properties({ type: "VirtualMachine", value: id }, ["name"]);
      return ref({ type: "VirtualMachine", value: id });
    } catch {
      return undefined;
    }
  }
  const path = id.startsWith("/") ? id : `/${datacenterName}/vm/${id}`;
  const found = await vim.findByInventoryPath(path);
  return found?.type === "VirtualMachine" ? ref(found) : undefined;
}

async function findDatacenter(vim: Vim, name: string | undefined): Promise<{ ref: MoRef; name: string }> {
  const all: { ref: MoRef; name: string }[] = [];
  const walk = async (folder: MoRef, depth: number): Promise<void> => {
    for (const child of await vim.children(folder)) {
      if (child.type === "Datacenter") all.push({ ref: ref(child), name: await vim.name(child) });
      else if (child.type === "Folder" && depth < 4) await walk(ref(child), depth + 1);
    }
  };
  await walk(await vim.rootFolder(), 0);
  if (name !== undefined) {
    const found = all.find((d) => d.name === name || d.ref.value === name);
    if (!found)
      throw new VimError(
        `vsphere:datacenter ${JSON.stringify(name)} does not exist on ${vim.connection.server}; there are: ${all.map((d) => d.name).join(", ") || "none"}`,
      );
    return found;
  }
  if (all.length === 1) return all[0];
  throw new VimError(
    all.length === 0
      ? `${vim.connection.server} has no datacenter`
      : `${vim.connection.server} has ${all.length} datacenters (${all.map((d) => d.name).join(", ")}): set vsphere:datacenter (or providerOptions.vsphere.datacenter) to one of them`,
  );
}

async function underDatacenter(vim: Vim, dcName: string, kind: string, path: string): Promise<MoRef | undefined> {
  const full = path.startsWith("/") ? path : `/${dcName}/${kind}/${path}`;
  const found = await vim.findByInventoryPath(full);
  return found ? ref(found) : undefined;
}

/** The placement of a clone, every named part checked to exist. */
export async function resolvePlacement(vim: Vim, request: PlacementRequest): Promise<Placement> {
  const datacenter = await findDatacenter(vim, request.datacenter);
  const dc = await vim.properties(datacenter.ref, ["vmFolder", "hostFolder", "networkFolder"]);
  const vmFolder = moRefOf(dc.vmFolder)!;
  const hostFolder = moRefOf(dc.hostFolder)!;

  let folder: MoRef = ref(vmFolder);
  if (request.folder) {
    const found = await underDatacenter(vim, datacenter.name, "vm", request.folder);
    if (!found || found.type !== "Folder")
      throw new VimError(
        `vsphere folder ${JSON.stringify(request.folder)} does not exist in datacenter ${datacenter.name}: create it, or unset vsphere:folder to use the datacenter's VM folder`,
      );
    folder = found;
  }

  let pool: MoRef | undefined;
  if (request.resourcePool) {
    const found = await underDatacenter(vim, datacenter.name, "host", request.resourcePool);
    if (!found || found.type !== "ResourcePool")
      throw new VimError(
        `vsphere resource pool ${JSON.stringify(request.resourcePool)} does not exist in datacenter ${datacenter.name} (give its path under the host folder, e.g. "cluster1/Resources/pool1")`,
      );
    pool = found;
  } else {
    const computes = (await vim.children(ref(hostFolder))).filter((c) => /ComputeResource$/.test(c.type));
    let compute: MoRef | undefined;
    if (request.cluster) {
      for (const c of computes) if ((await vim.name(c)) === request.cluster) compute = c;
      if (!compute)
        throw new VimError(
          `vsphere cluster ${JSON.stringify(request.cluster)} does not exist in datacenter ${datacenter.name}`,
        );
    } else {
      // A cluster first: it is where VMs usually go (and where DRS places them).
      compute = computes.find((c) => c.type === "ClusterComputeResource") ?? computes[0];
    }
    if (!compute) throw new VimError(`datacenter ${datacenter.name} has no cluster or host to run VMs on`);
    pool = moRefOf((await vim.properties(compute, ["resourcePool"])).resourcePool);
    if (!pool) throw new VimError(`the compute resource ${compute.value} has no resource pool`);
    pool = ref(pool);
  }

  let datastore: MoRef | undefined;
  if (request.datastore) {
    const found = await underDatacenter(vim, datacenter.name, "datastore", request.datastore);
    if (!found || found.type !== "Datastore")
      throw new VimError(
        `vsphere datastore ${JSON.stringify(request.datastore)} does not exist in datacenter ${datacenter.name}`,
      );
    datastore = found;
  }
  const network = request.network
    ? await findNetwork(vim, datacenter, moRefOf(dc.networkFolder)!, request.network)
    : undefined;
  return { datacenter, folder, pool, datastore, ...(network ? { network } : {}) };
}

/** The names of the networks a VM can use in a datacenter (standard, distributed port groups, opaque). */
export async function networkNames(vim: Vim, networkFolder: MoRef): Promise<string[]> {
  const names: string[] = [];
  const walk = async (folder: MoRef, depth: number): Promise<void> => {
    for (const child of await vim.children(ref(folder))) {
      if (NETWORK_TYPES.has(child.type)) names.push(await vim.name(ref(child)));
      else if (child.type === "Folder" && depth < 4) await walk(child, depth + 1);
    }
  };
  await walk(networkFolder, 0);
  return names.sort();
}

/** The backing that attaches a network card to this network, by the network's kind. */
export async function networkBacking(vim: Vim, network: MoRef, name: string): Promise<SoapObject> {
  if (network.type === "DistributedVirtualPortgroup") {
    const pg = await vim.properties(network, ["key", "config.distributedVirtualSwitch"]);
    const dvs = moRefOf(pg["config.distributedVirtualSwitch"]);
    const uuid = dvs ? textOf((await vim.properties(dvs, ["uuid"])).uuid) : undefined;
    if (!uuid) throw new VimError(`the port group ${name} (${network.value}) has no distributed switch`);
    return {
      $type: "VirtualEthernetCardDistributedVirtualPortBackingInfo",
      port: { switchUuid: uuid, portgroupKey: textOf(pg.key) ?? network.value },
    };
  }
  if (network.type === "OpaqueNetwork") {
    const summary = ((await vim.properties(network, ["summary"])).summary ?? {}) as Record<string, XmlNode>;
    return {
      $type: "VirtualEthernetCardOpaqueNetworkBackingInfo",
      opaqueNetworkId: textOf(summary.opaqueNetworkId) ?? "",
      opaqueNetworkType: textOf(summary.opaqueNetworkType) ?? "",
    };
  }
  return { $type: "VirtualEthernetCardNetworkBackingInfo", deviceName: name, network: ref(network) };
}

async function findNetwork(
  vim: Vim,
  datacenter: { name: string },
  networkFolder: MoRef,
  wanted: string,
): Promise<NetworkChoice> {
  const found = await underDatacenter(vim, datacenter.name, "network", wanted);
  if (!found || !NETWORK_TYPES.has(found.type)) {
    const names = await networkNames(vim, networkFolder);
    throw new VimError(
      `the network ${JSON.stringify(wanted)} (providerOptions.vsphere.network or vsphere:network) does not exist in datacenter ${datacenter.name}; ` +
        `the networks there: ${names.map((n) => JSON.stringify(n)).join(", ") || "none"}. Set network to one of them, or unset it to keep the template's`,
    );
  }
  const name = await vim.name(found);
  return { ref: found, name, backing: await networkBacking(vim, found, name) };
}

/** The inventory path of an object, for messages and outputs (`/DC0/vm/web`). */
export async function inventoryPath(vim: Vim, obj: MoRef): Promise<string> {
  const parts: string[] = [];
  let current: MoRef | undefined = obj;
  for (let i = 0; current && i < 16; i++) {
    const props = await vim.properties(current, ["name", "parent"]);
    const parent = moRefOf(props.parent);
    if (!parent) break;
    parts.unshift(textOf(props.name) ?? "");
    current = parent;
  }
  return `/${parts.join("/")}`;
}
