/** Vite inlines `?raw` imports as strings at build time (privacy notices). */
declare module '*.md?raw' {
  const text: string;
  export default text;
}
