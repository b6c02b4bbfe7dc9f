'use strict';
// bench/node-peer.js: the Node reference of bench/run, written for the
// benchmark only (it is no part of mailautoconf and serves nothing else).
//
// It stands for the small autodiscover services in Node that some
// admins run instead of a responder like mailautoconf: one Node process
// answering HTTP itself, with the answers kept in memory and the
// address taken out of Outlook's request with a regular expression.  It
// is a lean example of its kind (no framework, no template engine, no
// logging, no TLS), so it marks what such a service reaches at best:
//
//   GET /mail/config-v1.1.xml (any query): the bytes of FILE-TB, which
//     bench/run writes from mailautoconf's own Thunderbird answer (that
//     answer does not depend on the address asked about);
//   POST /autodiscover/autodiscover.xml (any case): the first
//     <EMailAddress> of the body, escaped for XML, put in place of every
//     %EMAILADDRESS% of FILE-TEMPLATE, which bench/run makes from
//     mailautoconf's answer to the benchmark's request; for addresses in
//     that domain the answer is byte for byte mailautoconf's;
//   anything else: 404.  A body above 16 KiB: 413 (mailautoconf's limit).
//
// usage: node node-peer.js ADDRESS PORT FILE-TB FILE-TEMPLATE
const http = require('http');
const fs = require('fs');

const [addr, port, tbFile, templateFile] = process.argv.slice(2);
if (templateFile === undefined) {
	console.error('usage: node node-peer.js ADDRESS PORT FILE-TB ' +
	    'FILE-TEMPLATE');
	process.exit(64);
}
const BODY_MAX = 16384;
const TYPE = 'text/xml; charset=utf-8';
const tb = fs.readFileSync(tbFile);
const parts = fs.readFileSync(templateFile, 'utf8').split('%EMAILADDRESS%');
const emailRe = /<EMailAddress>\s*([^<\s]+)\s*<\/EMailAddress>/i;
const xmlChars = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;',
    "'": '&apos;' };

function send(res, status, body) {
	res.writeHead(status, {
		'Content-Type': TYPE,
		'Content-Length': body.length,
	});
	res.end(body);
}

function autodiscover(req, res) {
	const chunks = [];
	let n = 0;
	let over = false;
	req.on('data', (c) => {
		n += c.length;
		if (n > BODY_MAX)
			over = true;
		else
			chunks.push(c);
	});
	req.on('end', () => {
		if (over) {
			send(res, 413, Buffer.alloc(0));
			return;
		}
		const m = emailRe.exec(Buffer.concat(chunks).toString('utf8'));
		if (m === null) {
			send(res, 400, Buffer.alloc(0));
			return;
		}
		const email = m[1].replace(/[<>&"']/g, (ch) => xmlChars[ch]);
		send(res, 200, Buffer.from(parts.join(email), 'utf8'));
	});
}

const server = http.createServer((req, res) => {
	const q = req.url.indexOf('?');
	const path = q < 0 ? req.url : req.url.slice(0, q);
	if (req.method === 'GET' && path === '/mail/config-v1.1.xml')
		send(res, 200, tb);
	else if (req.method === 'POST' &&
	    path.toLowerCase() === '/autodiscover/autodiscover.xml')
		autodiscover(req, res);
	else {
		req.resume();
		send(res, 404, Buffer.alloc(0));
	}
});
server.listen(Number(port), addr);
process.on('SIGTERM', () => process.exit(0));
