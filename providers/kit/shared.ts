import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { stackScopedName } from "../../core/naming";
import { isDeferred } from "../../core/deferred";
import { MachinaError } from "../../core/errors";
import { ownerProtection } from "./owner-options";
import { perRun } from "./per-run";

export function contentHash(content: unknown, length = 10): string {
  return createHash("sha256").update(JSON.stringify(content)).digest("hex").slice(0, length);
}

export const SHARED_TYPE = "machina:index:Shared";

/** The component that owns a provider module's shared resources for one provider instance, in the resource tree. */
export class SharedResources extends pulumi.ComponentResource {
  constructor(name: string, opts: pulumi.ComponentResourceOptions) {
    super(SHARED_TYPE, name, {}, opts);
    this.registerOutputs({});
  }
}

/** Who asks for a shared resource: the Machine, and the resource type whose package picks the provider instance. */
export interface SharedOwner {
  /** The Machine (`create`'s parent): its explicit provider for the package and its protection apply. */
  parent: pulumi.Resource;
  /** A resource type of the SDK the shared resource comes from (`hcloud:index/sshKey:SshKey`). */
  type: string;
}

/** The name Pulumi recorded for a resource (not public API; every Resource has it). */
const resourceName = (r: pulumi.Resource | undefined) =>
  (r as unknown as { __name?: string } | undefined)?.__name ?? "";

/** A name for an explicit provider instance, stable across runs: the name the program gave it. */
function providerKey(provider: pulumi.ProviderResource | undefined): string {
  return provider ? resourceName(provider) : "default";
}

interface SharedEntry {
  resource: unknown;
  protect: boolean;
  retainOnDelete: boolean;
  creator: string;
}

/** Whether a value holds, at any depth, one known only when the deployment runs (an Output). */
function holdsOutput(value: unknown): boolean {
  if (isDeferred(value)) return true;
  if (typeof value !== "object" || value === null) return false;
  return (Array.isArray(value) ? value : Object.values(value)).some(holdsOutput);
}

/** The names of the resource a Machine gets of its own when the content cannot key a shared one. */
export interface OwnNames {
  name: string;
  platformName: string;
}

/**
 * A resource several Machines of one stack share (a firewall, a key pair), created once per program
 * run (see perRun). `create` gets the logical name (by content, stable across releases) and the platform name,
 * which is scoped to the project and stack: two stacks in one account never share or collide.
 *
 * With `owner` (contract 1.1), the resource is shared only among Machines on the same provider instance
 * (the Machine's explicit provider for the SDK's package, else the default one): `create` gets options
 * that put it on that provider, under one `machina:index:Shared` component per provider module and
 * instance (aliased from where earlier releases made it, at the stack's root), and as protected as
 * the Machine. A shared resource is named by its content, which an Output does not give until it
 * resolves: content that holds one makes a resource of the Machine's own, named `own`.
 */
export function sharedPerStack<T>(
  provider: string,
  kind: string,
  content: unknown,
  create: (name: string, platformName: string, opts: pulumi.CustomResourceOptions) => T,
  owner?: SharedOwner,
  own?: OwnNames,
): T {
  if (own && holdsOutput(content)) return create(own.name, own.platformName, { parent: owner?.parent });
  const hash = contentHash(content);
  const name = `machina-${kind}-${hash}`;
  const resources = perRun<SharedEntry>("shared-resources");
  const instance = owner?.parent.getProvider(owner.type);
  const key = `${provider}/${providerKey(instance)}/${name}`;
  const protection = owner ? ownerProtection(owner.parent) : { protect: false, retainOnDelete: false };
  const existing = resources.get(key);
  if (existing) {
    if ((protection.protect && !existing.protect) || (protection.retainOnDelete && !existing.retainOnDelete)) {
      throw new MachinaError(
        `Machine ${JSON.stringify(resourceName(owner!.parent))} asks for protect/retainOnDelete, but shares ` +
          `${name} with Machine ${JSON.stringify(existing.creator)}, which made it without: a shared resource is as ` +
          `protective as the Machine that makes it. Construct the protected Machine first, or give both the same options.`,
      );
    }
    return existing.resource as T;
  }
  const opts: pulumi.CustomResourceOptions = owner
    ? {
        parent: sharedParent(provider, instance),
        ...(instance ? { provider: instance } : {}),
        // Earlier releases made shared resources at the stack's root. An alias whose parent is set and
        // undefined means "no parent" (as `pulumi.rootStackResource`, which does not exist under mocks).
        aliases: [{ parent: undefined }],
        ...(protection.protect ? { protect: true } : {}),
        ...(protection.retainOnDelete ? { retainOnDelete: true } : {}),
      }
    : {};
  const platformName = stackScopedName(pulumi.getProject(), pulumi.getStack(), kind, hash);
  const resource = create(name, platformName, opts);
  resources.set(key, {
    resource,
    ...protection,
    creator: resourceName(owner?.parent),
  });
  return resource;
}

/** The `machina:index:Shared` component of a provider module and provider instance in this program run. */
function sharedParent(provider: string, instance: pulumi.ProviderResource | undefined): SharedResources {
  const parents = perRun<SharedResources>("shared-parents");
  const instanceKey = providerKey(instance);
  const name = instance ? `machina-shared-${provider}-${instanceKey}` : `machina-shared-${provider}`;
  let parent = parents.get(name);
  if (!parent) parents.set(name, (parent = new SharedResources(name, instance ? { providers: [instance] } : {})));
  return parent;
}
