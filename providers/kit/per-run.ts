import * as pulumi from "@pulumi/pulumi";

/*
 * State that belongs to one program run. An Automation API process runs several stacks, or one stack
 * twice, one after the other in the same module instances: what an earlier run registered (a
 * resource object, a claimed name) must never leak into a later one. A run is told apart by its
 * root stack resource; outside any run (plain mocks) there is one process-wide scope.
 */
const runs = new WeakMap<object, Map<string, Map<string, unknown>>>();
const outsideAnyRun = new Map<string, Map<string, unknown>>();

/** The map named `namespace` of the current program run. */
export function perRun<T>(namespace: string): Map<string, T> {
  const stack = pulumi.runtime.getStackResource();
  let scopes = stack ? runs.get(stack) : outsideAnyRun;
  if (!scopes) runs.set(stack!, (scopes = new Map()));
  let map = scopes.get(namespace);
  if (!map) scopes.set(namespace, (map = new Map()));
  return map as Map<string, T>;
}
