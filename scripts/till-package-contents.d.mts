export interface TillDependency {
  name: string;
  /** null when a required dependency is not installed (`missing`). */
  version: string | null;
  /** Folder, relative to the root; null when missing. */
  dir: string | null;
  /** How the root reaches it: `a > b > c`. */
  via: string;
  missing?: true;
}
export interface TillPackageContents {
  /** App files (relative, `/`-separated), node_modules aside. */
  files: string[];
  dependencies: TillDependency[];
}
export const FORBIDDEN_DEPENDENCIES: string[];
export const FORBIDDEN_PATHS: { kind: string; pattern: RegExp }[];
export const CODE_MARKERS: { kind: string; marker: RegExp }[];
export function builderFilePatterns(root: string): string[];
export function matchesFilePatterns(path: string, patterns: string[]): boolean;
export function tillAppFiles(root: string, patterns?: string[]): string[];
export function productionDependencies(root: string): TillDependency[];
export function tillPackageContents(root: string): TillPackageContents;
export function tillPackageProblems(root: string, contents: TillPackageContents): string[];
