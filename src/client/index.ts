export * from "./batch";
export * from "./errors";
export * from "./http";
export * from "./names";
export * from "./query";
export * from "./records";
export * from "./retry";
export * from "./url";
