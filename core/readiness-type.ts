/**
 * The readiness check's resource type, apart from the resource itself: the CLI's recovery needs the
 * name, and importing readiness.ts would load the whole Pulumi SDK into every command.
 */
export const READINESS_TYPE = "pulumi-nodejs:dynamic/machina:ReadinessCheck";
