const USAGE = `breakwater — a production MCP gateway

Usage:
  breakwater serve [--config breakwater.yaml] [--port N] [--host H]   run the gateway (Streamable HTTP)
  breakwater stdio [--config breakwater.yaml]                         run the gateway as a stdio MCP server
  breakwater demo [--port N]                                          gateway in front of real MCP servers from npm
  breakwater check-config FILE                                        validate a config, listing every problem
  breakwater doctor [--config FILE] [--timeout MS]                   start the upstreams once and report problems
  breakwater client list|call --url URL [--era legacy|modern] [--tool NAME] [--args JSON]
  breakwater mock-upstream [--transport stdio|http] [--script FILE]   scripted MCP server for failure drills
`;

/** Dispatches a command line; resolves with the process exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return (await import('./serve.js')).runServe(rest);
    case 'stdio':
      return (await import('./stdio.js')).runStdio(rest);
    case 'demo':
      return (await import('./demo.js')).runDemo(rest);
    case 'check-config':
      return (await import('./check-config.js')).runCheckConfig(rest, { stdout: process.stdout, stderr: process.stderr });
    case 'doctor':
      return (await import('./doctor.js')).runDoctor(rest, { stdout: process.stdout, stderr: process.stderr });
    case 'client':
      return (await import('./client.js')).runClient(rest);
    case 'mock-upstream':
      return (await import('./mock-upstream/index.js')).runMockUpstream(rest);
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(USAGE);
      return command === undefined ? 1 : 0;
    case '--version':
      process.stdout.write(`${(await import('../app/version.js')).VERSION}\n`);
      return 0;
    default:
      process.stderr.write(`Unknown command: ${command}\n\n${USAGE}`);
      return 2;
  }
}
