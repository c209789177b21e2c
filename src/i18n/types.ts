// The text layer's own vocabulary, at the bottom of every other layer: a message is an id into a
// catalog plus its parameters, translated only when a renderer formats it for a reader.

export type Catalog = Record<string, string>;

/**
 * A message that can be translated: an id into a catalog plus parameters. A parameter may itself
 * be a message (a phrase chosen by the code, translated with the rest), never text to look up.
 */
export interface Message {
  id: string;
  params?: Record<string, MessageParam>;
}

export type MessageParam = string | number | Message;
