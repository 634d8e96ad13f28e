import { parseNote, type Note } from "./note.ts";

/**
 * Every decision record in docs/decisions/, read when the server bundle is built (Vite inlines the
 * files, so a deployed build carries them), oldest first. Only the content service imports this.
 */
const files = import.meta.glob<string>("../../docs/decisions/*.md", { query: "?raw", import: "default", eager: true });

export const notes: readonly Note[] = Object.entries(files)
  .flatMap(([path, source]) => parseNote(path.slice(path.lastIndexOf("/") + 1), source) ?? [])
  .sort((a, b) => a.number - b.number);
