// Files the Bun build embeds (src/cli/bun-main.ts): importing one gives its path inside the binary.
declare module '*/tsrunc-nsexec' {
  const path: string;
  export default path;
}
