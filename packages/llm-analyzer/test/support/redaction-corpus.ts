/** A log line with one planted secret, the secret's kind, and the exact secret text. */
export interface Planted {
  readonly kind: string;
  readonly secret: string;
  readonly line: string;
}

/** A small deterministic generator, so the corpus is the same on every run. */
function rng(seed: number) {
  let s = seed;
  const next = () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const chars = (alphabet: string, n: number) => Array.from({ length: n }, () => pick([...alphabet])).join('');
  return { next, pick, chars };
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const B64 = `${UPPER}${LOWER}${DIGITS}+/`;
const URLSAFE = `${UPPER}${LOWER}${DIGITS}-_`;
const ALNUM = `${UPPER}${LOWER}${DIGITS}`;

/** Every kind the issue names, 30 variants each, in the shapes they take in real logs. */
export function plantedCorpus(): Planted[] {
  const r = rng(20_241_124);
  const out: Planted[] = [];
  const ts = () => `2024-11-24T10:${String(Math.floor(r.next() * 60)).padStart(2, '0')}:07.412Z`;
  const N = 30;
  for (let i = 0; i < N; i++) {
    const akid = `${r.pick(['AKIA', 'ASIA'])}${r.chars(`${UPPER}${DIGITS}`, 16)}`;
    out.push({
      kind: 'aws-access-key-id',
      secret: akid,
      line: r.pick([
        `${ts()} INFO using credentials ${akid} from env`,
        `{"level":"warn","msg":"assume role failed","accessKeyId":"${akid}","region":"eu-west-1"}`,
        `botocore.credentials: Found credentials in environment variables. key=${akid}`,
        `Error: The security token included in the request is invalid (key ${akid})`,
      ]),
    });
    const secretKey = `${r.chars(UPPER, 2)}${r.chars(LOWER, 2)}${r.chars(DIGITS, 2)}${r.chars(B64, 34)}`;
    out.push({
      kind: 'aws-secret-key',
      secret: secretKey,
      line: r.pick([
        `aws_secret_access_key=${secretKey}`,
        `export AWS_SECRET_ACCESS_KEY="${secretKey}"`,
        `{"AccessKeyId":"AKIAEXAMPLE","SecretAccessKey":"${secretKey}"}`,
        `${ts()} DEBUG loaded profile default with secret ${secretKey} from ~/.aws/credentials`,
      ]),
    });
    const opaque = r.chars(`${ALNUM}-._~`, 24 + Math.floor(r.next() * 40));
    out.push({
      kind: 'bearer-token',
      secret: opaque,
      line: r.pick([
        `GET /api/orders HTTP/1.1 Authorization: Bearer ${opaque}`,
        `{"headers":{"authorization":"Bearer ${opaque}","accept":"*/*"}}`,
        `curl -H 'Authorization: Bearer ${opaque}' https://api.internal/v1/health`,
        `${ts()} upstream call with bearer token Bearer ${opaque} returned 401`,
      ]),
    });
    const jwt = `eyJ${r.chars(URLSAFE, 30)}.eyJ${r.chars(URLSAFE, 60)}.${r.chars(URLSAFE, 43)}`;
    out.push({
      kind: 'jwt',
      secret: jwt,
      line: r.pick([
        `${ts()} WARN jwt expired token=${jwt}`,
        `{"msg":"invalid signature","jwt":"${jwt}"}`,
        `Set-Cookie: session=${jwt}; Path=/; HttpOnly`,
        `verify failed for ${jwt}: exp claim in the past`,
      ]),
    });
    const pw = `${r.chars(ALNUM, 6)}${r.pick(['!', '#', '%', '@', '^', '*'])}${r.chars(ALNUM, 5)}`;
    out.push({
      kind: 'password',
      secret: pw,
      line: r.pick([
        `${ts()} ERROR login failed user=admin password=${pw}`,
        `{"user":"svc-orders","password":"${pw}","db":"orders"}`,
        `DB_PASSWORD=${pw} node server.js`,
        `msg="{\\"dbPassword\\":\\"${pw}\\",\\"host\\":\\"db-1\\"}"`,
        `config: { passwd: '${pw}', retries: 3 }`,
      ]),
    });
    const sec = r.chars(ALNUM, 32);
    out.push({
      kind: 'secret-in-json-or-kv',
      secret: sec,
      line: r.pick([
        `{"client_id":"web","client_secret":"${sec}"}`,
        `stripe webhook signing secret: ${sec}`,
        `X-Api-Key: ${sec}`,
        `POST /token grant_type=client_credentials&client_secret=${sec}&scope=read`,
        `{"apiKey": "${sec}", "endpoint": "https://api.vendor.example"}`,
        `slack.signing_secret=${sec}`,
      ]),
    });
    const body = Array.from({ length: 6 }, () => r.chars(B64, 64)).join('\n');
    const keyType = r.pick(['RSA ', 'EC ', 'OPENSSH ', '', 'ENCRYPTED ']);
    const block = `-----BEGIN ${keyType}PRIVATE KEY-----\n${body}\n-----END ${keyType}PRIVATE KEY-----`;
    out.push({
      kind: 'private-key',
      secret: body.split('\n')[0]!,
      line: r.pick([
        `loaded key:\n${block}\nfrom /etc/ssl/private`,
        JSON.stringify({ msg: 'tls config', key: block }),
        `${block.slice(0, 200)}`, // a key cut off by a log line limit: no END line
      ]),
    });
    const user = r.pick(['app', 'admin', 'orders_rw', 'svc']);
    const cpw = r.chars(ALNUM, 14);
    const host = r.pick(['db.internal', 'orders-db.cluster-abc.eu-west-1.rds.amazonaws.com', 'mq-1', 'cache']);
    const scheme = r.pick(['postgres', 'postgresql', 'mysql', 'mongodb+srv', 'redis', 'amqps']);
    out.push({
      kind: 'connection-string',
      secret: cpw,
      line: r.pick([
        `${ts()} ERROR could not connect to ${scheme}://${user}:${cpw}@${host}:5432/orders: timeout`,
        `DATABASE_URL=${scheme}://${user}:${cpw}@${host}/app?sslmode=require`,
        `{"dsn":"${scheme}://${user}:${cpw}@${host}/db"}`,
      ]),
    });
    const email = `${r.pick(['jane.doe', 'ops+alerts', 'j_smith42', 'admin'])}@${r.pick(['example.com', 'corp.example.co.uk', 'mail.acme.io'])}`;
    out.push({
      kind: 'email',
      secret: email,
      line: r.pick([
        `${ts()} INFO password reset sent to ${email}`,
        `{"event":"signup","email":"${email}","plan":"pro"}`,
        `user <${email}> exceeded quota`,
      ]),
    });
    const vendor = r.pick([
      `ghp_${r.chars(ALNUM, 36)}`,
      `xoxb-${r.chars(DIGITS, 12)}-${r.chars(DIGITS, 13)}-${r.chars(ALNUM, 24)}`,
      `sk_live_${r.chars(ALNUM, 24)}`,
      `AIza${r.chars(URLSAFE, 35)}`,
      `npm_${r.chars(ALNUM, 36)}`,
    ]);
    out.push({
      kind: 'vendor-token',
      secret: vendor,
      line: r.pick([
        `pushing with ${vendor}`,
        `{"integration":"ci","credential":"${vendor}"}`,
        `token ${vendor} was revoked`,
      ]),
    });
  }
  return out;
}

/** Lines with no secret in them, as services write them: every one must come out unchanged. */
export function ordinaryCorpus(): string[] {
  const r = rng(7);
  const lines: string[] = [
    'GET /cart 503 12ms',
    'POST /api/v1/orders 201 87ms request_id=9f1c2d3e-4b5a-6789-abcd-ef0123456789',
    '2024-11-24T10:02:03.123Z ERROR checkout HikariPool-1 - Connection is not available, request timed out after 30000ms.',
    'java.lang.OutOfMemoryError: Java heap space at com.shop.cart.CartService.load(CartService.java:142)',
    "ENOSPC: no space left on device, write '/var/log/app/app.log'",
    'deploy checkout version=2.14.0 commit=3f786850e387550fdab836ed7e6dc881de23001b',
    'password reset requested for user id 4211',
    'token bucket refilled: 50 tokens available',
    'max_tokens=1024 temperature=0.2 model=claude',
    '{"tokenCount": 512, "cacheHit": true}',
    'token_type=Bearer expires_in=3600',
    'password_length=12 password_policy=strong',
    'session started for user 88 (session timeout 30m)',
    'cookie consent banner shown',
    'arn:aws:lambda:eu-west-1:123456789012:function:orders-api',
    's3://my-bucket/logs/2024/11/24/part-00017.gz',
    'https://api.example.com/v1/orders?id=42&page=2',
    'connecting to postgres://db.internal:5432/orders',
    'Traceback (most recent call last): File "/app/worker.py", line 88, in run',
    'k8s: Back-off restarting failed container checkout in pod checkout-7d9f8b6c5-x2x9z',
    'OOMKilled: container exceeded memory limit 512Mi',
    'ThrottlingException: Rate exceeded for DescribeInstances',
    'Threshold Crossed: 3 datapoints [91.2, 93.4, 95.0] were greater than the threshold (90.0).',
    'i-0abc123def4567890 failed status check StatusCheckFailed_Instance',
    'trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7',
    'etag "d41d8cd98f00b204e9800998ecf8427e" unchanged',
    'author: Jane Doe (jane at example dot com)',
    'Redis EVICTIONS 1240 in the last minute, used_memory=3.9G maxmemory=4G',
    'auth: ok for service account orders',
    'secret rotation scheduled for 2024-12-01',
    'the secret ingredient is love',
    'api_key_name=orders-prod rotated',
    'Authorization header missing',
    'Basic authentication failed for realm "admin"',
    'user@host:~$ ls',
    'npm WARN deprecated request@2.88.2',
    'version 1.2.3.4 released',
    'GC pause 230ms (G1 Evacuation Pause)',
    '{"level":"info","msg":"request","path":"/health","status":200,"duration_ms":3}',
    'Caused by: java.sql.SQLTransientConnectionException: too many connections',
  ];
  const services = ['checkout', 'payments', 'orders-api', 'search', 'inventory'];
  const paths = ['/cart', '/checkout', '/api/v1/items', '/health', '/login'];
  for (let i = 0; i < 260; i++) {
    const svc = r.pick(services);
    const status = r.pick([200, 200, 201, 204, 301, 404, 429, 500, 502, 503]);
    lines.push(
      r.pick([
        `${svc} ${r.pick(['GET', 'POST', 'PUT'])} ${r.pick(paths)} ${status} ${Math.floor(r.next() * 900)}ms`,
        `{"level":"${r.pick(['info', 'warn', 'error'])}","service":"${svc}","msg":"${r.pick(['request done', 'retrying', 'cache miss', 'slow query'])}","latency_ms":${Math.floor(r.next() * 2000)}}`,
        `${svc}-${r.chars('0123456789abcdef', 8)}-${r.chars('abcdefghijklmnopqrstuvwxyz0123456789', 5)} Started container`,
        `${new Date(1_700_000_000_000 + i * 61_000).toISOString()} WARN ${svc} queue depth ${Math.floor(r.next() * 10_000)} consumers=${Math.floor(r.next() * 8)}`,
        `CPUUtilization ${(r.next() * 100).toFixed(1)} Percent InstanceId=i-0${r.chars('0123456789abcdef', 16)}`,
      ]),
    );
  }
  return lines;
}
