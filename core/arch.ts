/** The CPU architecture of a machine; size and image resolution both honour it. */
export type Arch = "x86_64" | "arm64";
export const ARCHES: readonly Arch[] = ["x86_64", "arm64"];
