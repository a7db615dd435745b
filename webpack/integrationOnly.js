// spectral needs zod (toJSONSchema) and yaml (stringify) only to turn a code-native
// integration's definition into Prismatic's format; a component never does that. The bundle
// aliases both packages to this module, which fails loudly should that path ever be reached.
const unavailable = (name) => () => {
  throw new Error(`${name} is used by spectral's code-native integrations only and is not bundled with this component.`);
};

exports.toJSONSchema = unavailable("zod");
exports.stringify = unavailable("yaml");
