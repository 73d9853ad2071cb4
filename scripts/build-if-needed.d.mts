export interface Build {
  name: BuildName;
  /** What is built, for the progress line. */
  label: string;
  /** Node script and its arguments, relative to the checkout. */
  command: string[];
  outputs: string[];
  inputs: string[];
}
export const BUILDS: Build[];
export type BuildName = 'till' | 'hq' | 'bench';
export function buildIfNeeded(options?: { quiet?: boolean; only?: BuildName[] }): void;
