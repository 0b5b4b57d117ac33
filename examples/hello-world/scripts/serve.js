// A tiny static web server for the hello-world example: serves DIR/index.html on 127.0.0.1:PORT.
//   node serve.js DIR PORT
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');

const [dir, port] = process.argv.slice(2);
http
  .createServer((req, res) => {
    fs.readFile(path.join(dir, 'index.html'), (err, body) => {
      res.writeHead(err ? 404 : 200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(err ? 'not found' : body);
    });
  })
  .listen(Number(port), '127.0.0.1');
