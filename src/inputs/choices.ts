import { InputError } from "../client";

/** One of a fixed list of choices, matched ignoring case, so a value typed into a config variable works too. */
export const toChoice = <T extends string>(text: string, choices: readonly T[], inputLabel: string): T => {
  const match = choices.find((choice) => choice.toLowerCase() === text.toLowerCase());
  if (!match) {
    throw new InputError(inputLabel, `'${text}' is not one of ${choices.join(", ")}.`);
  }
  return match;
};
