/**
 * The `customData` Azure receives: the user data, base64-encoded. Keys go in through the VM's
 * linuxConfiguration, so Machina adds no part of its own.
 */
export function azureCustomData(userData: string | undefined): string | undefined {
  return userData === undefined ? undefined : Buffer.from(userData, "utf8").toString("base64");
}
