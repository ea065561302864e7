const http = require('node:http')

http
  .createServer((req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ hello: 'from a small Node app', path: req.url }))
  })
  .listen(8080)
