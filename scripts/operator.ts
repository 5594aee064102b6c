// npm run operator -- add EMAIL | remove EMAIL | list
// The only way an operator (platform staff) account is made: in the internal "WARA Operations" tenant,
// with a random password printed once here and stored only as its Argon2 hash.
import { addOperator, listOperators, NotAnOperatorAccountError, removeOperator } from '../lib/auth/operators.js';
import { ConfigError } from '../lib/config/env.js';
import { createPrismaClient } from '../lib/db/client.js';
import { commandUser, describeCliError, loadCliEnv } from './cli-env.js';

const USAGE = 'usage: npm run operator -- add EMAIL | remove EMAIL | list';

async function main(args: string[]): Promise<number> {
  const [command, email] = args;
  if (!command || !['add', 'remove', 'list'].includes(command) || (command !== 'list' && !email)) {
    console.error(USAGE);
    return 2;
  }
  const { env } = await loadCliEnv();
  const prisma = createPrismaClient(env.DATABASE_URL, { max: 1 });
  try {
    const by = commandUser();
    if (command === 'list') {
      const operators = await listOperators(prisma);
      if (operators.length === 0) console.log('no operators yet: npm run operator -- add EMAIL');
      for (const o of operators) console.log(`${o.email}  added ${o.createdAt.toISOString()}  last log-in ${o.lastLoginAt?.toISOString() ?? 'never'}`);
      return 0;
    }
    if (command === 'remove') {
      const outcome = await removeOperator(prisma, email!, { by });
      console.log(outcome === 'removed' ? `${email}: no longer an operator; their sessions are ended` : `${email}: not an operator (nothing changed)`);
      return outcome === 'removed' ? 0 : 1;
    }
    const change = await addOperator(prisma, email!, { by });
    if (change.outcome === 'unchanged') {
      console.log(`${change.email}: already an operator (password unchanged; remove and add again for a new one)`);
      return 0;
    }
    const login = new URL('/login?next=%2Fops', env.WEB_PUBLIC_URL);
    console.log(`${change.email}: ${change.outcome === 'created' ? 'operator account created' : 'operator again'} in the WARA Operations tenant`);
    // Shown here once; only its hash is stored. Not logged anywhere else.
    console.log(`password (shown once, not stored): ${change.password}`);
    console.log(`log in at ${login.toString()}`);
    return 0;
  } catch (err) {
    if (err instanceof NotAnOperatorAccountError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  } finally {
    await prisma.$disconnect();
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : `operator command failed: ${describeCliError(err)}`);
    process.exitCode = 2;
  },
);
