// The example's services, on 127.0.0.1:
//   node server.js backend NAME PORT   answers {"backend": NAME, "started": …}
//   node server.js frontend DIR PORT   asks each URL listed in DIR/backends (one per line) and
//                                      answers with their replies
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');

const [role, arg, port] = process.argv.slice(2);
const started = new Date().toISOString();

async function frontend(res) {
  let urls = [];
  try {
    urls = fs.readFileSync(path.join(arg, 'backends'), 'utf8').split('\n').filter(Boolean);
  } catch {
    // no backends yet
  }
  const replies = await Promise.all(
    urls.map(async (url) => {
      try {
        return await (await fetch(url)).json();
      } catch (error) {
        return { url, error: String(error) };
      }
    }),
  );
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify({ frontend: started, backends: replies }, null, 2)}\n`);
}

http
  .createServer((req, res) => {
    if (role === 'frontend') {
      void frontend(res);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`${JSON.stringify({ backend: arg, started })}\n`);
  })
  .listen(Number(port), '127.0.0.1');
