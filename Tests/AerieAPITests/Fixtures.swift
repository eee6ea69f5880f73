// Aerie — schemas the black-box API tests run against
// SPDX-License-Identifier: MIT
import AerieTesting

/// A blog-like schema touching every field type and rule kind.
let blogSchema = #"""
{
  "collections": [
    { "name": "users", "type": "auth",
      "fields": [ { "name": "name", "type": "text", "max": 50 } ],
      "listRule": "", "viewRule": "", "createRule": "", "updateRule": "", "deleteRule": "" },
    { "name": "tags", "fields": [ { "name": "label", "type": "text", "required": true } ],
      "listRule": "", "viewRule": "", "createRule": "", "updateRule": "", "deleteRule": "" },
    { "name": "posts",
      "fields": [
        { "name": "title", "type": "text", "required": true, "min": 2, "max": 20 },
        { "name": "slug", "type": "text", "pattern": "^[a-z0-9-]+$" },
        { "name": "body", "type": "editor", "maxSize": 40 },
        { "name": "views", "type": "number", "min": 0, "max": 1000, "onlyInt": true },
        { "name": "score", "type": "number" },
        { "name": "published", "type": "bool" },
        { "name": "contact", "type": "email", "onlyDomains": ["example.com"] },
        { "name": "site", "type": "url", "exceptDomains": ["bad.com"] },
        { "name": "publishAt", "type": "date", "min": "2020-01-01", "max": "2030-12-31" },
        { "name": "kind", "type": "select", "values": ["news", "tech", "life"] },
        { "name": "labels", "type": "select", "values": ["a", "b", "c"], "maxSelect": 2 },
        { "name": "meta", "type": "json", "maxSize": 60 },
        { "name": "author", "type": "relation", "collection": "users", "maxSelect": 1 },
        { "name": "tags", "type": "relation", "collection": "tags", "maxSelect": 3, "cascadeDelete": false },
        { "name": "cover", "type": "file", "maxSelect": 1 },
        { "name": "where", "type": "geoPoint" },
        { "name": "secretNote", "type": "text", "hidden": true }
      ],
      "indexes": [ "CREATE UNIQUE INDEX idx_posts_slug ON posts (slug) WHERE slug != ''" ],
      "listRule": "", "viewRule": "", "createRule": "", "updateRule": "", "deleteRule": "" },
    { "name": "comments",
      "fields": [
        { "name": "text", "type": "text" },
        { "name": "post", "type": "relation", "collection": "posts", "cascadeDelete": true, "required": true },
        { "name": "mentions", "type": "relation", "collection": "tags", "required": true, "maxSelect": 5 }
      ],
      "listRule": "", "viewRule": "", "createRule": "", "updateRule": "", "deleteRule": "" },
    { "name": "secrets", "fields": [ { "name": "value", "type": "text" } ] },
    { "name": "guarded", "fields": [ { "name": "value", "type": "text" } ],
      "listRule": "@request.auth.id != ''", "viewRule": "@request.auth.id != ''", "createRule": "@request.auth.id != ''",
      "updateRule": "@request.auth.id != ''", "deleteRule": "@request.auth.id != ''" }
  ]
}
"""#

/// Starts a server on the blog schema.
func blogServer() throws -> TestServer { try TestServer(schema: blogSchema) }
