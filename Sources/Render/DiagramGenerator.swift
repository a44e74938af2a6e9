/// The deployment drawn as the seed's figure draws it: ingress, components with replicas and
/// autoscaling, services, volumes, the database, and the flows between them with ports. The SVG and
/// the Mermaid graph come from one ``DiagramGraph``; the SVG is drawn from its ``DiagramLayout``.
enum DiagramGenerator {
    static func scaling(_ component: Component) -> String {
        if component.instances > 0 { return "\(component.instances) nodes, a Service each" }
        if let scaling = component.autoscaling {
            return "\(scaling.minReplicas)-\(scaling.maxReplicas) replicas, HPA at \(scaling.cpuUtilization)% CPU"
        }
        return "\(component.replicas) replicas"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func files(_ spec: RenderSpec) -> [GeneratedFile] {
        let graph = DiagramGraph(spec)
        return [
            GeneratedFile(path: "architecture.svg", contents: svg(DiagramLayout(graph), title: graph.title)),
            GeneratedFile(path: "architecture.md", contents: markdown(spec, graph)),
        ]
    }

    static func svg(_ spec: RenderSpec) -> String {
        let graph = DiagramGraph(spec)
        return svg(DiagramLayout(graph), title: graph.title)
    }

    static func stroke(_ style: DiagramGraph.Style) -> String {
        switch style {
        case .traffic: "stroke=\"#555555\" stroke-width=\"1.5\" marker-end=\"url(#arrow)\""
        case .database:
            "stroke=\"#c5221f\" stroke-width=\"1.2\" stroke-dasharray=\"4 3\" marker-end=\"url(#arrow-jdbc)\""
        case .storage: "stroke=\"#7e57c2\" stroke-width=\"1.2\""
        }
    }

    static func text(_ run: DiagramLayout.TextRun, fill: String, role: String) -> String {
        "  <text class=\"\(role)\" x=\"\(run.x)\" y=\"\(run.baseline)\" font-size=\"\(run.size)\"\(run.bold ? " font-weight=\"bold\"" : "") fill=\"\(fill)\">\(escape(run.text))</text>\n"
    }

    static func svg(_ layout: DiagramLayout, title: String) -> String {
        let (width, height) = (layout.width, layout.height)
        let frame = layout.frame
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="Helvetica, Arial, sans-serif">
              <title>\(escape(title))</title>
              <defs>
                <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555555"/></marker>
                <marker id="arrow-jdbc" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#c5221f"/></marker>
              </defs>
              <rect x="0" y="0" width="\(width)" height="\(height)" fill="#ffffff"/>
              <rect class="namespace" x="\(frame.x)" y="\(frame.y)" width="\(frame.width)" height="\(frame.height)" rx="12" fill="none" stroke="#9aa0a6" stroke-dasharray="6 4"/>

            """
        for caption in layout.captions { out += text(caption, fill: "#5f6368", role: "caption") }
        for route in layout.routes {
            let d = route.points.enumerated().map { "\($0.offset == 0 ? "M" : "L") \($0.element.x) \($0.element.y)" }
            let edge = route.edge
            let tip =
                "\(edge.from) to \(edge.to)"
                + ([edge.label, edge.purpose].filter { !$0.isEmpty }.map { ": " + $0 }.joined())
            out +=
                "  <path class=\"edge\" d=\"\(d.joined(separator: " "))\" fill=\"none\" \(stroke(edge.style))><title>\(escape(tip))</title></path>\n"
        }
        for box in layout.boxes {
            let rect = box.rect
            out +=
                "  <rect class=\"box\" x=\"\(rect.x)\" y=\"\(rect.y)\" width=\"\(rect.width)\" height=\"\(rect.height)\" rx=\"8\" fill=\"\(box.node.fill)\" stroke=\"#5f6368\"/>\n"
            for run in box.texts {
                out += text(run, fill: run.bold ? "#202124" : "#3c4043", role: "box-text")
            }
        }
        for route in layout.routes {
            guard let label = route.label else { continue }
            out += text(label, fill: route.edge.style == .database ? "#c5221f" : "#202124", role: "label")
        }
        out += "</svg>\n"
        return out
    }

    /// The same graph as the SVG, as Mermaid: every node with its lines, every edge with its label
    /// and what it carries.
    static func markdown(_ spec: RenderSpec, _ graph: DiagramGraph) -> String {
        func id(_ node: String) -> String {
            switch node {
            case "database": "db"
            case "storage": "pvc"
            default: node.replacingOccurrences(of: "-", with: "_")
            }
        }
        func quoted(_ text: String) -> String { text.replacingOccurrences(of: "\"", with: "#quot;") }
        var out =
            "# Architecture\n\nGenerated by berth render: WSO2 \(spec.pattern.summary). The same graph is drawn in architecture.svg.\n\n```mermaid\nflowchart TB\n"
        // The components sit in the namespace, drawn as a subgraph as the SVG draws a frame.
        var inNamespace = false
        for node in graph.nodes {
            let label = quoted(([node.title] + node.lines).joined(separator: "<br/>"))
            let inside = node.tier == .exposed || node.tier == .clusterOnly
            if inside, !inNamespace {
                out += "  subgraph namespace_frame[\"\(quoted(graph.namespace.joined(separator: "<br/>")))\"]\n"
            } else if !inside, inNamespace {
                out += "  end\n"
            }
            inNamespace = inside
            let indent = inside ? "    " : "  "
            switch node.tier {
            case .clients: out += "\(indent)\(id(node.id))([\"\(label)\"])\n"
            case .backing: out += "\(indent)\(id(node.id))[(\"\(label)\")]\n"
            default: out += "\(indent)\(id(node.id))[\"\(label)\"]\n"
            }
        }
        if inNamespace { out += "  end\n" }
        for edge in graph.edges {
            let text = quoted([edge.label, edge.purpose].filter { !$0.isEmpty }.joined(separator: " "))
            let arrow: String
            switch edge.style {
            case .traffic: arrow = "-->"
            case .database: arrow = "-.->"
            case .storage: arrow = "---"
            }
            out += "  \(id(edge.from)) \(arrow)\(text.isEmpty ? "" : "|\"\(text)\"|") \(id(edge.to))\n"
        }
        let components = Catalog.components(for: spec)
        out += "```\n\n| component | image | scaling | Service | ports |\n|---|---|---|---|---|\n"
        for component in components {
            out +=
                "| \(component.name) | \(Names.image(spec, component)) | \(scaling(component)) | \(Names.service(spec, component)) | \(component.ports.map { "\($0.port) (\($0.name))" }.joined(separator: ", ")) |\n"
        }
        return out
    }
}
