import Mustache

/// The console's Mustache templates and stylesheet, kept in the source so that the registry stays
/// one file. `{{name}}` escapes HTML (`& < > " '`); the one raw insertion, `{{{body}}}`, is a page
/// already rendered by these templates.
enum ConsoleTemplates {
    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Berth registry</title>
        <link rel="icon" href="data:,">
        <link rel="stylesheet" href="/console/static/console.css">
        </head>
        <body>
        <header class="top">
        <a class="brand" href="/">Berth registry</a>
        <nav>
        <a href="/">Projects</a>
        {{#systemAdmin}}<a href="/console/audit">Audit log</a>{{/systemAdmin}}
        </nav>
        <div class="who">
        {{#signedIn}}
        <span class="user">{{userName}}{{#systemAdmin}} (system admin){{/systemAdmin}}</span>
        <form method="post" action="/console/signout" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit">Sign out</button>
        </form>
        {{/signedIn}}
        {{^signedIn}}<a href="/console/signin">Sign in</a>{{/signedIn}}
        </div>
        </header>
        <main>
        {{#notice}}<p class="notice">{{notice}}</p>{{/notice}}
        {{{body}}}
        </main>
        <footer>Berth registry console</footer>
        </body>
        </html>
        """

    static let signIn = """
        <h1>Sign in</h1>
        {{#open}}<p class="notice">This registry has no users yet, so it has no access control: every project is visible without signing in. Add one with <code>berth registry user add</code>.</p>{{/open}}
        {{#failed}}<p class="error" role="alert">Invalid user name or password.</p>{{/failed}}
        <form method="post" action="/console/signin" class="card stack">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="username">User name</label>
        <input id="username" name="username" autocomplete="username" required value="{{username}}">
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required>
        <button type="submit">Sign in</button>
        </form>
        """

    static let projects = """
        <h1>Projects</h1>
        {{^projects}}<p class="empty">No projects visible{{^signedIn}}; sign in to see private ones{{/signedIn}}.</p>{{/projects}}
        {{#hasProjects}}
        <div class="scroll"><table class="cards">
        <thead><tr><th>Project</th><th>Access</th><th class="num">Repositories</th><th>Your role</th></tr></thead>
        <tbody>
        {{#projects}}
        <tr><td data-label="Project"><a href="/console/project?name={{urlName}}">{{name}}</a></td>
        <td data-label="Access">{{#public}}<span class="badge ok">public</span>{{/public}}{{^public}}<span class="badge">private</span>{{/public}}</td>
        <td class="num" data-label="Repositories">{{repositories}}</td><td data-label="Your role">{{role}}</td></tr>
        {{/projects}}
        </tbody></table></div>
        {{/hasProjects}}
        """

    static let project = """
        <p class="crumbs"><a href="/">Projects</a> /</p>
        <h1>{{name}}</h1>
        <p>{{#public}}<span class="badge ok">public</span>{{/public}}{{^public}}<span class="badge">private</span>{{/public}}
        {{#role}}Your role: <strong>{{role}}</strong>{{/role}}
        {{#canAudit}} · <a href="/console/audit?project={{urlName}}">Audit log of this project</a>{{/canAudit}}</p>
        <h2>Repositories</h2>
        {{^repositories}}<p class="empty">No repositories yet.</p>{{/repositories}}
        {{#hasRepositories}}
        <div class="scroll"><table class="cards">
        <thead><tr><th>Repository</th><th class="num">Tags</th><th class="num">Size</th></tr></thead>
        <tbody>
        {{#repositories}}
        <tr><td data-label="Repository"><a href="/console/repository?name={{urlName}}">{{name}}</a></td><td class="num" data-label="Tags">{{tags}}</td><td class="num" data-label="Size">{{size}}</td></tr>
        {{/repositories}}
        </tbody></table></div>
        {{/hasRepositories}}
        {{#canSeeMembers}}
        <h2>Members</h2>
        {{^members}}<p class="empty">No members.</p>{{/members}}
        {{#hasMembers}}
        <div class="scroll"><table class="cards">
        <thead><tr><th>User</th><th>Role</th>{{#canEdit}}<th></th>{{/canEdit}}</tr></thead>
        <tbody>
        {{#members}}
        <tr><td data-label="User">{{user}}</td><td data-label="Role">{{role}}</td>
        {{#canEdit}}<td data-label=""><form method="post" action="/console/project/members" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="project" value="{{projectName}}">
        <input type="hidden" name="user" value="{{user}}"><input type="hidden" name="role" value="none">
        <button type="submit" class="secondary">Remove</button></form></td>{{/canEdit}}</tr>
        {{/members}}
        </tbody></table></div>
        {{/hasMembers}}
        {{#canEdit}}
        <form method="post" action="/console/project/members" class="card row">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="project" value="{{name}}">
        <label for="member-user">User</label><input id="member-user" name="user" required>
        <label for="member-role">Role</label>
        <select id="member-role" name="role">
        <option value="guest">guest</option><option value="developer">developer</option>
        <option value="maintainer">maintainer</option><option value="admin">admin</option>
        </select>
        <button type="submit">Add or change member</button>
        </form>
        {{/canEdit}}
        {{/canSeeMembers}}
        {{#canSeePolicies}}
        <h2>Policies</h2>
        <dl class="facts">
        <dt>Public</dt><dd>{{#public}}yes{{/public}}{{^public}}no{{/public}}</dd>
        <dt>Immutable tags</dt><dd>{{#immutableTags}}<code>{{.}}</code> {{/immutableTags}}{{^immutableTags}}none{{/immutableTags}}</dd>
        <dt>Quota</dt><dd>{{quota}}</dd>
        <dt>Require signature</dt><dd>{{#requireSignature}}yes{{/requireSignature}}{{^requireSignature}}no{{/requireSignature}}</dd>
        <dt>Signature keys</dt><dd>{{signatureKeys}}</dd>
        <dt>Signer identities</dt><dd>{{#identities}}<code>{{.}}</code> {{/identities}}{{^identities}}none{{/identities}}</dd>
        <dt>Required attestations</dt><dd>{{#attestations}}<code>{{.}}</code> {{/attestations}}{{^attestations}}none{{/attestations}}</dd>
        <dt>Vulnerabilities</dt><dd>{{vulnerabilityPolicy}}</dd>
        {{#allowlist}}<dt>Allowed</dt><dd><code>{{id}}</code> until {{expires}}: {{reason}}</dd>{{/allowlist}}
        </dl>
        {{#canEdit}}
        <form method="post" action="/console/project/policy" class="card stack">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="project" value="{{name}}">
        <label class="check"><input type="checkbox" name="public" value="on"{{#public}} checked{{/public}}> Public (anyone may pull)</label>
        <label class="check"><input type="checkbox" name="requireSignature" value="on"{{#requireSignature}} checked{{/requireSignature}}> Require a signature to pull</label>
        <label for="immutable">Immutable tag patterns (comma separated)</label>
        <input id="immutable" name="immutableTags" value="{{immutableTagsText}}">
        <label for="quota">Quota in bytes (empty: none)</label>
        <input id="quota" name="quotaBytes" inputmode="numeric" value="{{quotaBytes}}">
        <button type="submit">Save policies</button>
        </form>
        {{/canEdit}}
        {{/canSeePolicies}}
        """

    static let repository = """
        <p class="crumbs"><a href="/">Projects</a> / <a href="/console/project?name={{urlProject}}">{{project}}</a> /</p>
        <h1>{{name}}</h1>
        {{^artifacts}}<p class="empty">No images in this repository.</p>{{/artifacts}}
        {{#hasArtifacts}}
        <div class="scroll"><table class="cards artifacts">
        <thead><tr><th>Tags</th><th>Digest</th><th class="num">Size</th><th>Pushed</th><th>Signature</th><th>Vulnerabilities</th></tr></thead>
        <tbody>
        {{#artifacts}}
        <tr><td data-label="Tags">{{#tags}}<span class="tag">{{.}}</span> {{/tags}}{{^tags}}<span class="muted">untagged</span>{{/tags}}</td>
        <td data-label="Digest"><a class="digest" href="/console/artifact?repository={{urlRepository}}&amp;digest={{digest}}">{{shortDigest}}</a></td>
        <td class="num" data-label="Size">{{size}}</td><td class="nowrap" data-label="Pushed">{{pushed}}</td>
        <td data-label="Signature"><span class="badge {{signatureClass}}">{{signature}}</span></td>
        <td data-label="Vulnerabilities">{{> summary}}</td></tr>
        {{/artifacts}}
        </tbody></table></div>
        {{/hasArtifacts}}
        """

    /// A vulnerability summary: counts by severity, or the scan's state.
    static let summary = """
        {{#scan.counts}}<span class="sev sev-{{severity}}">{{count}} {{severity}}</span> {{/scan.counts}}{{#scan.clean}}<span class="badge ok">no findings</span>{{/scan.clean}}{{#scan.state}}<span class="muted">{{scan.state}}</span>{{/scan.state}}
        """

    static let artifact = """
        <p class="crumbs"><a href="/">Projects</a> / <a href="/console/project?name={{urlProject}}">{{project}}</a> / <a href="/console/repository?name={{urlRepository}}">{{repository}}</a> /</p>
        <h1>{{repository}}{{#hasTags}}:{{/hasTags}}{{#tags}}<span class="tagline">{{.}}</span>{{/tags}}</h1>
        <dl class="facts">
        <dt>Digest</dt><dd><code class="digest">{{digest}}</code></dd>
        <dt>Media type</dt><dd><code>{{mediaType}}</code></dd>
        <dt>Size</dt><dd>{{size}}</dd>
        <dt>Pushed</dt><dd>{{pushed}}</dd>
        <dt>Signature</dt><dd><span class="badge {{signatureClass}}">{{signature}}</span>{{#signatureNotes}}<br><span class="muted">{{.}}</span>{{/signatureNotes}}</dd>
        <dt>Vulnerabilities</dt><dd>{{> summary}}</dd>
        {{#scanDetail}}<dt>Scanned</dt><dd>{{scanDetail}}</dd>{{/scanDetail}}
        <dt>SBOM</dt><dd>{{#sbom}}<a href="/console/sbom?repository={{urlRepository}}&amp;digest={{sbom}}" download>CycloneDX SBOM (JSON)</a>{{/sbom}}{{^sbom}}<span class="muted">none stored</span>{{/sbom}}</dd>
        </dl>
        {{#canRescan}}
        <form method="post" action="/console/rescan" class="actions">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="repository" value="{{repository}}">
        <input type="hidden" name="digest" value="{{digest}}">
        <button type="submit">Rescan now</button>
        </form>
        {{/canRescan}}
        {{#hasPlatforms}}
        <h2>Platforms</h2>
        <div class="scroll"><table class="cards">
        <thead><tr><th>Platform</th><th>Digest</th><th class="num">Size</th></tr></thead>
        <tbody>
        {{#platforms}}<tr><td data-label="Platform">{{platform}}</td><td data-label="Digest"><a class="digest" href="/console/artifact?repository={{urlRepository}}&amp;digest={{digest}}">{{shortDigest}}</a></td><td class="num" data-label="Size">{{size}}</td></tr>{{/platforms}}
        </tbody></table></div>
        {{/hasPlatforms}}
        {{#platform}}<h2>Platform</h2><p>{{platform}}</p>{{/platform}}
        {{#hasLayers}}
        <h2>Layers</h2>
        <div class="scroll"><table class="cards">
        <thead><tr><th>#</th><th>Digest</th><th>Media type</th><th class="num">Size</th></tr></thead>
        <tbody>
        {{#layers}}<tr><td class="num" data-label="#">{{number}}</td><td data-label="Digest"><code class="digest">{{digest}}</code></td><td data-label="Media type"><code>{{mediaType}}</code></td><td class="num" data-label="Size">{{size}}</td></tr>{{/layers}}
        </tbody></table></div>
        {{/hasLayers}}
        {{#hasFindings}}
        <h2>Findings</h2>
        <div class="scroll"><table class="cards">
        <thead><tr><th>Vulnerability</th><th>Severity</th><th>Package</th><th>Installed</th><th>Fixed in</th></tr></thead>
        <tbody>
        {{#findings}}<tr><td data-label="Vulnerability">{{id}}{{#aliases}} <span class="muted">{{.}}</span>{{/aliases}}</td><td data-label="Severity"><span class="sev sev-{{severity}}">{{severity}}</span></td><td data-label="Package">{{package}}</td><td data-label="Installed">{{installed}}</td><td data-label="Fixed in">{{fixed}}</td></tr>{{/findings}}
        </tbody></table></div>
        {{/hasFindings}}
        """

    static let audit = """
        <h1>Audit log{{#project}} of {{project}}{{/project}}</h1>
        {{^entries}}<p class="empty">No events.</p>{{/entries}}
        {{#hasEntries}}
        <div class="scroll"><table class="cards audit">
        <thead><tr><th>Time</th><th>Action</th><th>User</th><th>Repository</th><th>Reference</th><th>Decision</th></tr></thead>
        <tbody>
        {{#entries}}<tr><td class="nowrap" data-label="Time">{{time}}</td><td class="nowrap" data-label="Action">{{action}}</td><td data-label="User">{{user}}</td><td data-label="Repository">{{repository}}</td><td class="wrap" data-label="Reference">{{reference}}</td><td data-label="Decision">{{decision}}{{#reason}} <span class="muted">({{reason}})</span>{{/reason}}</td></tr>{{/entries}}
        </tbody></table></div>
        {{/hasEntries}}
        <nav class="pages">
        {{#previous}}<a href="{{previous}}">Newer</a>{{/previous}}
        <span>Page {{page}} of {{pages}} ({{total}} events)</span>
        {{#next}}<a href="{{next}}">Older</a>{{/next}}
        </nav>
        """

    static let error = """
        <h1>{{heading}}</h1>
        <p class="error">{{message}}</p>
        <p><a href="/">Back to the projects</a></p>
        """

    /// The stylesheet served at `/console/static/console.css`.
    static let stylesheet = """
        *{box-sizing:border-box}
        html{-webkit-text-size-adjust:100%}
        body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1d232b;background:#f4f6f8}
        a{color:#0b5cad}
        code,.digest{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;font-size:.875em}
        .digest{overflow-wrap:anywhere}
        table .digest{white-space:nowrap}
        header.top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.25rem;padding:.75rem 1.25rem;background:#17324d;color:#fff}
        header.top a{color:#fff;text-decoration:none}
        header.top nav{display:flex;gap:1rem;flex:1}
        .brand{font-weight:700;font-size:1.1rem}
        .who{display:flex;align-items:center;gap:.75rem;flex-wrap:wrap}
        .who .user{opacity:.9}
        main{max-width:72rem;margin:0 auto;padding:1rem 1.25rem 2rem}
        footer{max-width:72rem;margin:0 auto;padding:0 1.25rem 2rem;color:#66707a;font-size:.85rem}
        h1{font-size:1.6rem;margin:.5rem 0 1rem;overflow-wrap:anywhere}
        h2{font-size:1.2rem;margin:1.75rem 0 .5rem}
        .crumbs{margin:0;color:#66707a;overflow-wrap:anywhere}
        .scroll{overflow-x:auto;background:#fff;border:1px solid #d8dde3;border-radius:6px}
        table{border-collapse:collapse;width:100%}
        th,td{padding:.5rem .75rem;text-align:left;vertical-align:top;border-bottom:1px solid #e6e9ed}
        th{background:#eef1f4;font-size:.85rem;text-transform:uppercase;letter-spacing:.03em;color:#4a5560}
        tbody tr:last-child td{border-bottom:0}
        td.num,th.num{text-align:right;white-space:nowrap}
        .nowrap{white-space:nowrap}
        td.wrap{overflow-wrap:anywhere}
        .badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:.8rem;background:#e6e9ed;color:#333;white-space:nowrap}
        .badge.ok{background:#d8f0dc;color:#17552a}
        .badge.warn{background:#fff1c7;color:#6b4d00}
        .badge.bad{background:#fbdada;color:#8a1c1c}
        .sev{display:inline-block;padding:.05rem .45rem;border-radius:4px;font-size:.8rem;white-space:nowrap;background:#e6e9ed}
        .sev-critical{background:#7a0c0c;color:#fff}
        .sev-high{background:#d63a2f;color:#fff}
        .sev-medium{background:#f0a020;color:#1d232b}
        .sev-low{background:#f3e27a;color:#1d232b}
        .tag,.tagline{display:inline-block;font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;font-size:.85em;background:#e8f0fa;border-radius:4px;padding:0 .35rem;margin:0 .15rem .15rem 0;overflow-wrap:break-word;max-width:100%}
        .tagline{font-size:.7em;vertical-align:middle;margin-left:.35rem}
        .muted{color:#66707a}
        .empty{color:#66707a;font-style:italic}
        .notice{background:#d8f0dc;border:1px solid #a9d8b2;padding:.5rem .75rem;border-radius:6px}
        .error{background:#fbdada;border:1px solid #eeb0b0;padding:.5rem .75rem;border-radius:6px}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;background:#fff;border:1px solid #d8dde3;border-radius:6px;padding:.75rem 1rem;margin:0}
        dl.facts dt{font-weight:600;color:#4a5560}
        dl.facts dd{margin:0;min-width:0;overflow-wrap:anywhere}
        .card{background:#fff;border:1px solid #d8dde3;border-radius:6px;padding:1rem;margin-top:1rem;max-width:32rem}
        .stack{display:flex;flex-direction:column;gap:.4rem}
        .row{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem;max-width:none}
        form.inline{display:inline;margin:0}
        form.actions{margin:.75rem 0 0}
        input,select,button{font:inherit}
        input:not([type]),input[type=password],input[inputmode],select{padding:.4rem .5rem;border:1px solid #b8c0c8;border-radius:4px;min-width:0}
        button{padding:.4rem .9rem;border:0;border-radius:4px;background:#0b5cad;color:#fff;cursor:pointer}
        button.secondary{background:#e6e9ed;color:#8a1c1c}
        header.top button{background:#2f5a85}
        label.check{display:flex;gap:.5rem;align-items:center}
        nav.pages{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;margin-top:1rem}
        @media (max-width:40rem){
        body{font-size:15px}
        header.top{padding:.6rem .9rem}
        main{padding:.75rem .9rem 1.5rem}
        th,td{padding:.4rem .5rem}
        dl.facts{grid-template-columns:1fr;gap:.1rem}
        dl.facts dd{margin-bottom:.45rem}
        h1{font-size:1.35rem}
        table.cards thead{display:none}
        table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:100%}
        table.cards tr{padding:.35rem 0;border-bottom:1px solid #d8dde3}
        table.cards tbody tr:last-child{border-bottom:0}
        table.cards td{position:relative;border:0;padding:.2rem .6rem .2rem 8.5rem;text-align:left;white-space:normal;overflow-wrap:anywhere;min-height:1.7rem}
        table.cards td::before{content:attr(data-label);position:absolute;left:.6rem;width:7.6rem;overflow-wrap:normal;font-weight:600;font-size:.85rem;color:#4a5560}
        table.cards .digest{white-space:normal}
        .row label{flex-basis:100%}
        .row input{flex:1}
        }
        """

    /// Every template by name, parsed once; a template that does not parse is left out (a test
    /// renders each page, so it cannot go unnoticed).
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        let all = [
            "layout": layout, "signin": signIn, "projects": projects, "project": project, "repository": repository,
            "summary": summary, "artifact": artifact, "audit": audit, "error": error,
        ]
        for (name, text) in all {
            try? library.register(text, named: name)
        }
        return library
    }()
}
