/** Where `secrets set` reads a value: the process's stdin (tests pass a string). */
export interface SecretInput {
  readonly isTTY?: boolean;
  readonly text?: string;
}

/**
 * Reads a secret value from stdin: piped text (one trailing newline removed), or typed at a hidden prompt
 * on a terminal. Never from argv by default: command lines end up in shell history and `ps`.
 */
export async function readSecretValue(prompt: (text: string) => void, input: SecretInput = {}): Promise<string> {
  if (input.text !== undefined) return input.text.replace(/\r?\n$/, '');
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  prompt('value (not echoed): ');
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      prompt('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new Error('cancelled'));
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
