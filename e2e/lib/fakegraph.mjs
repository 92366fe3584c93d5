// A fake Microsoft Graph for the e2e suite, on 127.0.0.1: the bot reaches
// it through GRAENSEN_GRAPH_URL (local mode: no token). It serves what a
// group audience reads, as Graph does (bot/graph):
//   GET /v1.0/groups/{id}?$select=id,displayName
//   GET /v1.0/groups/{id}/transitiveMembers/microsoft.graph.user?$select=id&$top=999
// with nested groups flattened (each user once) and @odata.nextLink
// paging (pageSize users a page), and answers anything else 404 with
// Graph's error body. It counts the requests by kind.
import http from 'node:http';

/**
 * groups: { [objectId]: { name, members: [userObjectId | 'group:<id>'] } }.
 * Returns { url, requests, close }.
 */
export async function startFakeGraph({ groups, pageSize = 4 }) {
  const requests = { group: 0, members: 0, other: 0 };
  const users = (id, seen = new Set(), out = []) => {
    if (seen.has(id)) return out;
    seen.add(id);
    for (const m of groups[id]?.members ?? []) {
      if (m.startsWith('group:')) users(m.slice(6), seen, out);
      else if (!out.includes(m)) out.push(m);
    }
    return out;
  };
  const send = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const notFound = (res) => send(res, 404, { error: { code: 'Request_ResourceNotFound', message: 'not found' } });
  let base;
  const srv = http.createServer((req, res) => {
    const u = new URL(req.url, base);
    let m = /^\/v1\.0\/groups\/([^/]+)\/transitiveMembers\/microsoft\.graph\.user$/.exec(u.pathname);
    if (req.method === 'GET' && m) {
      requests.members++;
      if (!groups[m[1]]) return notFound(res);
      const all = users(m[1]);
      const size = Math.min(pageSize, Number(u.searchParams.get('$top')) || pageSize);
      const skip = Number(u.searchParams.get('$skiptoken')) || 0;
      const page = { value: all.slice(skip, skip + size).map((id) => ({ '@odata.type': '#microsoft.graph.user', id })) };
      if (skip + size < all.length) page['@odata.nextLink'] = `${base}${u.pathname}?$select=id&$top=${size}&$skiptoken=${skip + size}`;
      return send(res, 200, page);
    }
    m = /^\/v1\.0\/groups\/([^/]+)$/.exec(u.pathname);
    if (req.method === 'GET' && m) {
      requests.group++;
      const g = groups[m[1]];
      return g ? send(res, 200, { id: m[1], displayName: g.name }) : notFound(res);
    }
    requests.other++;
    return notFound(res);
  });
  await new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  base = `http://127.0.0.1:${srv.address().port}`;
  return { url: base, requests, close: () => new Promise((r) => srv.close(r)) };
}
