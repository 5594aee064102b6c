// Local stand-ins for the two alert channels and their credentials: an SMTP server (with AUTH, recording
// what it is sent) and a Slack incoming-webhook endpoint (answering as Slack does).
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface SmtpStandIn {
  /** `smtp://user:pass@127.0.0.1:port` with the given credentials (URL-encoded). */
  url(user?: string, pass?: string): string;
  messages: Array<{ from: string; to: string[]; data: string }>;
  logins: Array<{ user: string; ok: boolean }>;
  close(): Promise<void>;
}

/** Just enough SMTP for nodemailer: EHLO, AUTH PLAIN/LOGIN (535 on a wrong password), MAIL/RCPT/DATA, QUIT. */
export async function startSmtpStandIn(credentials: { user: string; pass: string }): Promise<SmtpStandIn> {
  const messages: SmtpStandIn['messages'] = [];
  const logins: SmtpStandIn['logins'] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const say = (line: string) => socket.write(`${line}\r\n`);
    let buffer = '';
    let mode: 'command' | 'data' | 'auth-plain' | 'auth-user' | 'auth-pass' = 'command';
    let user = '';
    let envelope = { from: '', to: [] as string[] };
    const login = (name: string, pass: string) => {
      const ok = name === credentials.user && pass === credentials.pass;
      logins.push({ user: name, ok });
      say(ok ? '235 2.7.0 Authentication successful' : '535 5.7.8 Authentication credentials invalid');
    };
    say('220 smtp.stand-in ESMTP');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (mode === 'data') {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          messages.push({ ...envelope, data: buffer.slice(0, end) });
          buffer = buffer.slice(end + 5);
          envelope = { from: '', to: [] };
          mode = 'command';
          say('250 2.0.0 queued');
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const decoded = () => Buffer.from(line, 'base64').toString('utf8');
        if (mode === 'auth-plain') {
          const [, name = '', pass = ''] = decoded().split('\0');
          mode = 'command';
          login(name, pass);
          continue;
        }
        if (mode === 'auth-user') {
          user = decoded();
          mode = 'auth-pass';
          say('334 UGFzc3dvcmQ6');
          continue;
        }
        if (mode === 'auth-pass') {
          mode = 'command';
          login(user, decoded());
          continue;
        }
        const [verb = '', ...rest] = line.split(' ');
        switch (verb.toUpperCase()) {
          case 'EHLO':
            say('250-smtp.stand-in');
            say('250-AUTH PLAIN LOGIN');
            say('250 8BITMIME');
            break;
          case 'HELO':
            say('250 smtp.stand-in');
            break;
          case 'AUTH': {
            const [method = '', initial] = rest;
            if (method.toUpperCase() === 'PLAIN' && initial) {
              const [, name = '', pass = ''] = Buffer.from(initial, 'base64').toString('utf8').split('\0');
              login(name, pass);
            } else if (method.toUpperCase() === 'PLAIN') {
              mode = 'auth-plain';
              say('334 ');
            } else if (method.toUpperCase() === 'LOGIN') {
              mode = 'auth-user';
              say('334 VXNlcm5hbWU6');
            } else say('504 5.5.4 Unrecognized authentication type');
            break;
          }
          case 'MAIL':
            envelope.from = line.replace(/^MAIL FROM:\s*/i, '');
            say('250 2.1.0 OK');
            break;
          case 'RCPT':
            envelope.to.push(line.replace(/^RCPT TO:\s*/i, ''));
            say('250 2.1.5 OK');
            break;
          case 'DATA':
            mode = 'data';
            say('354 End data with <CR><LF>.<CR><LF>');
            break;
          case 'RSET':
          case 'NOOP':
            say('250 2.0.0 OK');
            break;
          case 'QUIT':
            say('221 2.0.0 Bye');
            socket.end();
            break;
          default:
            say('502 5.5.2 Command not recognized');
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (u = credentials.user, p = credentials.pass) => `smtp://${encodeURIComponent(u)}:${encodeURIComponent(p)}@127.0.0.1:${port}`,
    messages,
    logins,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface SlackStandIn {
  /** A live webhook's URL; any other path under /services/ is a revoked or mistyped one. */
  webhookUrl: string;
  deadWebhookUrl: string;
  posts: Array<{ path: string; body: string }>;
  close(): Promise<void>;
}

/** Answers as Slack's incoming webhooks do: 200 `ok` with text, 400 `no_text` without, 404 `no_service` for an unknown hook. */
export async function startSlackStandIn(): Promise<SlackStandIn> {
  const livePath = '/services/T0WARA/B0OPS/liveHookSecret0123';
  const posts: SlackStandIn['posts'] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path !== livePath) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('no_service');
      let text: unknown;
      try {
        text = (JSON.parse(body) as { text?: unknown }).text;
      } catch {
        return void res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload');
      }
      if (typeof text !== 'string' || text === '') return void res.writeHead(400, { 'content-type': 'text/plain' }).end('no_text');
      posts.push({ path, body });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    webhookUrl: `${origin}${livePath}`,
    deadWebhookUrl: `${origin}/services/T0WARA/B0OPS/revokedHook999`,
    posts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
