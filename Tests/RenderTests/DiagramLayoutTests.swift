import Foundation
import Testing

@testable import Render

/// What a reader of `architecture.svg` sees: no edge label on another label, a box or a line, no edge
/// through a box, every text inside its box. The checks read the emitted SVG text (rect, text, line,
/// polyline and path elements), so they hold for what is drawn, not only for the layout model.
///
/// Text extent is estimated, not measured: the diagram's font is Helvetica/Arial (Liberation Sans on
/// Linux), whose widest digits and lowercase letters are about 0.56 em; the checks assume 0.62 em per
/// character for regular text and 0.66 em for bold, an ascent of 1 em above the baseline and a descent
/// of 0.25 em below it, so a real glyph run is never wider or taller than the rectangle checked.
@Suite struct DiagramLayoutTests {
    static let regularEm = 0.62
    static let boldEm = 0.66

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var spec: RenderSpec
        var testDescription: String { name }
    }

    /// Every pattern `berth render` supports, with its defaults and with the longest labels a spec
    /// commonly gives (metrics port, another database, longer host names).
    static let cases: [Case] = Pattern.allCases.flatMap { pattern -> [Case] in
        var plain = RenderSpec()
        plain.pattern = pattern
        var busy = plain
        busy.prometheus = true
        busy.databaseType = .postgresql
        busy.databaseHost = "postgres.database.internal.example.com"
        busy.portalHost = "api-manager.internal.example.com"
        busy.gatewayHost = "gateway.internal.example.com"
        busy.identityHost = "identity.internal.example.com"
        busy.namespace = "wso2-production"
        return [Case(name: pattern.rawValue, spec: plain), Case(name: pattern.rawValue + " (busy)", spec: busy)]
    }

    // MARK: - Reading the SVG

    struct Box: Equatable {
        var x: Double
        var y: Double
        var width: Double
        var height: Double
        var maxX: Double { x + width }
        var maxY: Double { y + height }

        func contains(_ px: Double, _ py: Double) -> Bool { px > x && px < maxX && py > y && py < maxY }
        func contains(_ other: Box) -> Bool {
            other.x >= x && other.maxX <= maxX && other.y >= y && other.maxY <= maxY
        }
        /// Overlap with a positive area (touching edges do not count).
        func overlaps(_ other: Box) -> Bool {
            x < other.maxX && other.x < maxX && y < other.maxY && other.y < maxY
        }
        func inset(_ by: Double) -> Box { Box(x: x + by, y: y + by, width: width - 2 * by, height: height - 2 * by) }
        var description: String { "(\(x), \(y), \(width)x\(height))" }
    }

    struct Segment {
        var x1: Double
        var y1: Double
        var x2: Double
        var y2: Double
        var description: String { "(\(x1),\(y1))-(\(x2),\(y2))" }

        /// Whether any part of the segment lies inside the open rectangle (Liang-Barsky clipping).
        func crosses(_ box: Box) -> Bool {
            var low = 0.0
            var high = 1.0
            let dx = x2 - x1
            let dy = y2 - y1
            for (p, q) in [(-dx, x1 - box.x), (dx, box.maxX - x1), (-dy, y1 - box.y), (dy, box.maxY - y1)] {
                if p == 0 {
                    if q <= 0 { return false }
                } else {
                    let t = q / p
                    if p < 0 { low = max(low, t) } else { high = min(high, t) }
                }
            }
            return high - low > 1e-9
        }
    }

    struct Text {
        var content: String
        var box: Box
        var bold: Bool
    }

    struct Drawing {
        var width = 0.0
        var height = 0.0
        var boxes: [Box] = []
        var frames: [Box] = []
        var texts: [Text] = []
        var edges: [Segment] = []

        var frameSides: [Segment] {
            frames.flatMap { f in
                [
                    Segment(x1: f.x, y1: f.y, x2: f.maxX, y2: f.y),
                    Segment(x1: f.maxX, y1: f.y, x2: f.maxX, y2: f.maxY),
                    Segment(x1: f.x, y1: f.maxY, x2: f.maxX, y2: f.maxY),
                    Segment(x1: f.x, y1: f.y, x2: f.x, y2: f.maxY),
                ]
            }
        }
    }

    static func attributes(_ tag: Substring) -> [String: String] {
        var found: [String: String] = [:]
        for match in tag.matches(of: #/([a-zA-Z][a-zA-Z0-9:-]*)="([^"]*)"/#) {
            found[String(match.output.1)] = String(match.output.2)
        }
        return found
    }

    static func number(_ attributes: [String: String], _ name: String) -> Double {
        attributes[name].flatMap(Double.init) ?? 0
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The points of `points="x,y x,y"` or of a path made of M and L commands.
    static func points(_ text: String) -> [(Double, Double)] {
        let numbers = text.matches(of: #/-?[0-9]+(\.[0-9]+)?/#).compactMap { Double($0.output.0) }
        return stride(from: 0, to: numbers.count - 1, by: 2).map { (numbers[$0], numbers[$0 + 1]) }
    }

    static func parse(_ svg: String) -> Drawing {
        var drawing = Drawing()
        // Marker shapes in <defs> are not part of the picture's layout.
        let body = svg.replacing(#/<defs>.*?<\/defs>/#.dotMatchesNewlines(), with: "")
        for match in body.matches(of: #/<(svg|rect|text|line|polyline|path)\b([^>]*)>(?:([^<]*)<\/text>)?/#) {
            let element = match.output.1
            let attributes = Self.attributes(match.output.2)
            func edge(_ points: [(Double, Double)]) {
                for (a, b) in zip(points, points.dropFirst()) {
                    drawing.edges.append(Segment(x1: a.0, y1: a.1, x2: b.0, y2: b.1))
                }
            }
            switch element {
            case "svg":
                drawing.width = number(attributes, "width")
                drawing.height = number(attributes, "height")
            case "rect":
                let box = Box(
                    x: number(attributes, "x"), y: number(attributes, "y"), width: number(attributes, "width"),
                    height: number(attributes, "height"))
                if box.x == 0, box.y == 0, box.width == drawing.width, box.height == drawing.height {
                    continue  // the background
                } else if attributes["fill"] == "none" {
                    drawing.frames.append(box)
                } else if attributes["stroke"] != nil {
                    drawing.boxes.append(box)
                }
            // A rectangle without an outline is a text's ground: the text is what is checked.
            case "text":
                let content = unescape(String(match.output.3 ?? ""))
                let size = number(attributes, "font-size")
                let bold = attributes["font-weight"] == "bold"
                let width = Double(content.count) * size * (bold ? boldEm : regularEm)
                var x = number(attributes, "x")
                switch attributes["text-anchor"] {
                case "middle": x -= width / 2
                case "end": x -= width
                default: break
                }
                let y = number(attributes, "y")
                drawing.texts.append(
                    Text(content: content, box: Box(x: x, y: y - size, width: width, height: size * 1.25), bold: bold))
            case "line":
                edge([
                    (number(attributes, "x1"), number(attributes, "y1")),
                    (number(attributes, "x2"), number(attributes, "y2")),
                ])
            case "polyline":
                edge(points(attributes["points"] ?? ""))
            case "path":
                edge(points(attributes["d"] ?? ""))
            default:
                break
            }
        }
        return drawing
    }

    /// Every overlap in the drawing, described; empty when the drawing is clean.
    static func overlaps(_ drawing: Drawing) -> [String] {
        var issues: [String] = []
        let canvas = Box(x: 0, y: 0, width: drawing.width, height: drawing.height)
        for segment in drawing.edges {
            for box in drawing.boxes where segment.crosses(box.inset(0.5)) {
                issues.append("edge \(segment.description) passes through box \(box.description)")
            }
        }
        for (index, text) in drawing.texts.enumerated() {
            let home = drawing.boxes.first { $0.contains(text.box.x + 0.5, text.box.maxY - 0.5) }
            if !canvas.contains(text.box) { issues.append("text '\(text.content)' leaves the canvas") }
            if let home {
                if !home.contains(text.box) {
                    issues.append(
                        "text '\(text.content)' \(text.box.description) overflows its box \(home.description)")
                }
            } else {
                for box in drawing.boxes where box.overlaps(text.box) {
                    issues.append("label '\(text.content)' \(text.box.description) overlaps box \(box.description)")
                }
                for segment in drawing.frameSides where segment.crosses(text.box) {
                    issues.append("label '\(text.content)' \(text.box.description) overlaps the namespace border")
                }
            }
            for segment in drawing.edges where segment.crosses(text.box) {
                issues.append("text '\(text.content)' \(text.box.description) overlaps edge \(segment.description)")
            }
            for other in drawing.texts[(index + 1)...] where other.box.overlaps(text.box) {
                issues.append("text '\(text.content)' overlaps text '\(other.content)'")
            }
        }
        return issues
    }

    // MARK: - Tests

    @Test(arguments: cases)
    func theDrawnDiagramHasNoOverlaps(_ test: Case) {
        let svg = DiagramGenerator.svg(test.spec)
        let drawing = Self.parse(svg)
        #expect(!drawing.boxes.isEmpty && !drawing.edges.isEmpty && !drawing.texts.isEmpty, "nothing parsed")
        let issues = Self.overlaps(drawing)
        #expect(issues.isEmpty, "\(issues.count) overlaps:\n\(issues.joined(separator: "\n"))")
    }

    /// The checker itself: a label across a line, a line through a box and text outside its box are found.
    @Test func theCheckerFindsOverlaps() {
        let svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="400" height="300">
              <rect x="0" y="0" width="400" height="300" fill="#ffffff"/>
              <rect x="20" y="20" width="100" height="40" fill="#eeeeee" stroke="#000"/>
              <text x="30" y="40" font-size="12">a title far too long for its box</text>
              <rect x="200" y="20" width="100" height="40" fill="#eeeeee" stroke="#000"/>
              <line x1="70" y1="60" x2="250" y2="200"/>
              <path d="M 10 100 L 390 100"/>
              <text x="150" y="104" font-size="11">9443</text>
            </svg>
            """
        let issues = Self.overlaps(Self.parse(svg))
        #expect(issues.contains { $0.contains("overflows its box") })
        #expect(issues.contains { $0.contains("'9443'") && $0.contains("overlaps edge") })
        #expect(!issues.contains { $0.contains("passes through box") })
        let through = svg.replacingOccurrences(of: "M 10 100 L 390 100", with: "M 10 40 L 390 40")
        #expect(Self.overlaps(Self.parse(through)).contains { $0.contains("passes through box") })
        let line = svg.replacingOccurrences(of: "x2=\"250\" y2=\"200\"", with: "x2=\"250\" y2=\"40\"")
        #expect(Self.overlaps(Self.parse(line)).contains { $0.contains("passes through box") })
    }

    /// The same checks on the layout model the SVG is drawn from, plus what the model promises:
    /// every edge found a route and a label place, runs only horizontally and vertically, and starts
    /// and ends on the sides of its boxes.
    @Test(arguments: cases)
    func theLayoutHasNoOverlaps(_ test: Case) {
        let layout = DiagramLayout(DiagramGraph(test.spec))
        #expect(layout.failures.isEmpty, "\(layout.failures)")
        var issues: [String] = []
        let labels = layout.routes.compactMap(\.label)
        let texts = layout.boxes.flatMap(\.texts) + layout.captions + labels
        for route in layout.routes {
            let name = "\(route.edge.from) to \(route.edge.to)"
            let segments = diagramSegments(route.points)
            if segments.contains(where: { $0.from.x != $0.to.x && $0.from.y != $0.to.y }) {
                issues.append("\(name) is not orthogonal")
            }
            for (id, point) in [(route.edge.from, route.points.first), (route.edge.to, route.points.last)] {
                guard let rect = layout.box(id)?.rect, let point else { continue }
                let onSide =
                    ((point.x == rect.x || point.x == rect.maxX) && point.y > rect.y && point.y < rect.maxY)
                    || ((point.y == rect.y || point.y == rect.maxY) && point.x > rect.x && point.x < rect.maxX)
                if !onSide { issues.append("\(name) does not meet \(id) on a side") }
            }
            for segment in segments {
                for box in layout.boxes where segment.crosses(box.rect) {
                    issues.append("\(name) passes through \(box.node.id)")
                }
                for text in texts where segment.crosses(text.rect) {
                    issues.append("\(name) crosses the text '\(text.text)'")
                }
            }
        }
        for box in layout.boxes {
            for text in box.texts where !box.rect.contains(text.rect) {
                issues.append("'\(text.text)' overflows \(box.node.id)")
            }
        }
        for (index, label) in labels.enumerated() {
            for box in layout.boxes where box.rect.intersects(label.rect) {
                issues.append("label '\(label.text)' overlaps \(box.node.id)")
            }
            for side in layout.frameSides where side.crosses(label.rect) {
                issues.append("label '\(label.text)' overlaps the namespace border")
            }
            for other in (layout.captions + labels[(index + 1)...]) where other.rect.intersects(label.rect) {
                issues.append("label '\(label.text)' overlaps '\(other.text)'")
            }
        }
        #expect(issues.isEmpty, "\(issues.joined(separator: "\n"))")
    }

    /// The SVG draws the layout: its boxes, every edge's segments and its labels at the layout's places.
    @Test(arguments: cases)
    func theSVGDrawsTheLayout(_ test: Case) {
        let layout = DiagramLayout(DiagramGraph(test.spec))
        let drawing = Self.parse(DiagramGenerator.svg(test.spec))
        #expect(
            drawing.boxes
                == layout.boxes.map {
                    Box(
                        x: Double($0.rect.x), y: Double($0.rect.y), width: Double($0.rect.width),
                        height: Double($0.rect.height))
                })
        #expect(drawing.edges.count == layout.routes.map { $0.points.count - 1 }.reduce(0, +))
        for label in layout.routes.compactMap(\.label) {
            let drawn = drawing.texts.first {
                $0.content == label.text && $0.box.x == Double(label.rect.x) && $0.box.y == Double(label.rect.y)
            }
            #expect(drawn != nil, "label '\(label.text)' is not drawn where the layout put it")
            if let drawn {
                let placed = Box(
                    x: Double(label.rect.x), y: Double(label.rect.y), width: Double(label.rect.width),
                    height: Double(label.rect.height))
                #expect(placed.contains(drawn.box), "label '\(label.text)' is drawn larger than laid out")
            }
        }
    }

    /// architecture.md's Mermaid graph has the SVG's nodes and edges: one Mermaid edge per SVG edge,
    /// every box title and every edge label of the SVG in it.
    @Test(arguments: cases)
    func theMermaidGraphMatchesTheSVG(_ test: Case) throws {
        let files = DiagramGenerator.files(test.spec)
        let svg = try #require(files.first { $0.path == "architecture.svg" }).contents
        let markdown = try #require(files.first { $0.path == "architecture.md" }).contents
        let mermaid = markdown.components(separatedBy: "```mermaid\n").last?.components(separatedBy: "```").first ?? ""
        let mermaidEdges = mermaid.split(separator: "\n").filter {
            $0.contains(" --> ") || $0.contains(" -->|") || $0.contains(" -.->") || $0.contains(" --- ")
        }
        let svgEdges = svg.split(separator: "\n").filter { $0.contains("<path class=\"edge\"") }
        #expect(
            mermaidEdges.count == svgEdges.count, "\(mermaidEdges.count) Mermaid edges, \(svgEdges.count) SVG edges")
        let graph = DiagramGraph(test.spec)
        for caption in graph.namespace {
            #expect(svg.contains(">\(DiagramGenerator.escape(caption))</text>"))
            #expect(mermaid.contains("subgraph namespace_frame[\"\(graph.namespace.joined(separator: "<br/>"))\"]"))
        }
        for node in graph.nodes {
            #expect(svg.contains(">\(DiagramGenerator.escape(node.title))</text>"), "\(node.title) is not in the SVG")
            #expect(mermaid.contains("\"\(([node.title] + node.lines).joined(separator: "<br/>"))\""))
        }
        for edge in graph.edges where !edge.label.isEmpty {
            #expect(svg.contains(">\(DiagramGenerator.escape(edge.label))</text>"), "\(edge.label) is not in the SVG")
            #expect(mermaid.contains("|\"\(edge.label)"), "\(edge.label) is not in the Mermaid graph")
        }
    }
}
