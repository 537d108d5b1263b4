// Colour on the console: on when the stream is a terminal and NO_COLOR is not set (or empty), or when FORCE_COLOR
// asks for it (set, not empty and not '0'), whatever the stream. Only labels and counts are coloured,
// never text that came from a server or a plugin.

import { styleText } from 'node:util';

export type Style = 'red' | 'green' | 'yellow' | 'dim' | 'bold';

/** Wraps text in a style, or returns it as it is when colour is off. */
export type Paint = (style: Style, text: string) => string;

export const plain: Paint = (_style, text) => text;

export function colourEnabled(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0') return true;
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

/** `validateStream: false`: the decision is colourEnabled's, made for the stream the text goes to. */
export function painter(on: boolean): Paint {
  return on ? (style, text) => styleText(style, text, { validateStream: false }) : plain;
}
