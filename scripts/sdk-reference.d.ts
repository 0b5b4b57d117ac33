/** The Markdown reference of `@cairn/plugin-sdk`, from its TSDoc. */
export function renderSdkReference(): string;
