/// Where everything in `architecture.svg` goes: boxes in rows by tier, the namespace frame, edges
/// routed orthogonally between ports on box sides (``DiagramRouter``), and each edge label beside its
/// own edge where it touches no box, line or other label. The SVG is drawn from this and nothing else.
struct DiagramLayout: Sendable {
    /// A left-anchored run of text and the rectangle it is estimated to cover (``DiagramText``).
    struct TextRun: Sendable, Hashable {
        var text: String
        var size: Int
        var bold: Bool
        var rect: DiagramRect

        var x: Int { rect.x }
        var baseline: Int { rect.y + size }

        init(_ text: String, x: Int, baseline: Int, size: Int, bold: Bool = false) {
            self.text = text
            self.size = size
            self.bold = bold
            rect = DiagramText.rect(text, x: x, baseline: baseline, size: size, bold: bold)
        }

        init(_ text: String, rect: DiagramRect, size: Int) {
            self.text = text
            self.size = size
            bold = false
            self.rect = rect
        }
    }

    struct Box: Sendable, Hashable {
        var node: DiagramGraph.Node
        var rect: DiagramRect
        var texts: [TextRun]
    }

    struct Route: Sendable, Hashable {
        var edge: DiagramGraph.Edge
        var points: [DiagramPoint]
        var label: TextRun?
    }

    static let titleSize = 13
    static let lineSize = 12
    static let labelSize = 11
    static let padding = 12
    /// Space between a label and its own edge, and the least between a label and anything else.
    static let labelOffset = 5
    static let clearance = 2
    /// The least distance between a label and an edge other than its own.
    static let lineClearance = 8

    var width = 0
    var height = 0
    var frame = DiagramRect(x: 0, y: 0, width: 0, height: 0)
    /// The namespace frame's caption, in its bottom left corner.
    var captions: [TextRun] = []
    var boxes: [Box] = []
    var routes: [Route] = []
    /// Edges no route was found for, and labels no free place was found for; empty in a good layout.
    var failures: [String] = []

    /// The first spacing that routes every edge and places every label; the widest tried otherwise.
    init(_ graph: DiagramGraph) {
        var layout = DiagramLayout(graph, spacing: 0)
        var spacing = 0
        while !layout.failures.isEmpty, spacing < 5 {
            spacing += 1
            layout = DiagramLayout(graph, spacing: spacing)
        }
        self = layout
    }

    var frameSides: [DiagramSegment] {
        let corners = [
            DiagramPoint(x: frame.x, y: frame.y), DiagramPoint(x: frame.maxX, y: frame.y),
            DiagramPoint(x: frame.maxX, y: frame.maxY), DiagramPoint(x: frame.x, y: frame.maxY),
            DiagramPoint(x: frame.x, y: frame.y),
        ]
        return diagramSegments(corners)
    }

    func box(_ id: String) -> Box? { boxes.first { $0.node.id == id } }

    private static func roundUp(_ value: Int) -> Int {
        (value + DiagramRouter.step - 1) / DiagramRouter.step * DiagramRouter.step
    }

    private static func size(_ node: DiagramGraph.Node) -> (width: Int, height: Int) {
        let widths =
            [DiagramText.width(node.title, size: titleSize, bold: true)]
            + node.lines.map { DiagramText.width($0, size: lineSize) }
        return ((widths.max() ?? 0) + 2 * padding, 54 + 17 * max(node.lines.count - 1, 0))
    }

    /// One layout; `spacing` widens the gaps between boxes and rows.
    init(_ graph: DiagramGraph, spacing: Int) {
        let tiers = Dictionary(grouping: graph.nodes, by: \.tier)
        func nodes(_ tier: DiagramGraph.Tier) -> [DiagramGraph.Node] { tiers[tier] ?? [] }
        let gap = 96 + 24 * spacing
        let componentWidth = (nodes(.exposed) + nodes(.clusterOnly)).map { Self.size($0).width }.max() ?? 0
        func rowWidth(_ tier: DiagramGraph.Tier) -> Int {
            let items = nodes(tier)
            guard !items.isEmpty else { return 0 }
            let widths = items.map { tier == .exposed || tier == .clusterOnly ? componentWidth : Self.size($0).width }
            return widths.reduce(0, +) + gap * (items.count - 1)
        }
        // The Ingress reaches over every exposed component, so its edges can drop straight down.
        let exposedCount = nodes(.exposed).count
        let ingressWidth = max(
            nodes(.ingress).map { Self.size($0).width }.max() ?? 0,
            (componentWidth + gap) * max(exposedCount - 1, 0) + 96)
        let captionWidth = graph.namespace.map { DiagramText.width($0, size: 12, bold: true) }.max() ?? 0
        let content =
            [
                rowWidth(.clients), ingressWidth, rowWidth(.exposed), rowWidth(.clusterOnly), rowWidth(.backing),
                captionWidth + 24,
            ].max() ?? 0
        // Room between the frame and the rows for edges that go around them.
        let lane = 64 + 8 * spacing
        width = Self.roundUp(content + 2 * (lane + 16))

        let flows = graph.edges.filter { edge in
            [edge.from, edge.to].allSatisfy { id in
                graph.node(id).map { $0.tier == .exposed || $0.tier == .clusterOnly } ?? false
            }
        }.count
        var y = 16
        func place(_ tier: DiagramGraph.Tier) {
            let items = nodes(tier)
            guard !items.isEmpty else { return }
            let total = tier == .ingress ? ingressWidth : rowWidth(tier)
            var x = (width - total) / 2
            var bottom = y
            for node in items {
                var (boxWidth, boxHeight) = Self.size(node)
                if tier == .ingress { boxWidth = ingressWidth }
                if tier == .exposed || tier == .clusterOnly { boxWidth = componentWidth }
                let rect = DiagramRect(x: x, y: y, width: boxWidth, height: boxHeight)
                var texts = [
                    TextRun(node.title, x: x + Self.padding, baseline: y + 20, size: Self.titleSize, bold: true)
                ]
                for (index, line) in node.lines.enumerated() {
                    texts.append(
                        TextRun(line, x: x + Self.padding, baseline: y + 40 + 17 * index, size: Self.lineSize))
                }
                boxes.append(Box(node: node, rect: rect, texts: texts))
                x += boxWidth + gap
                bottom = max(bottom, rect.maxY)
            }
            y = bottom
        }
        place(.clients)
        y += 48
        place(.ingress)
        // Between the Ingress and the exposed row only the Ingress edges pass, straight down.
        var rail = DiagramRect(x: 0, y: y, width: width, height: 0)
        let frameTop = Self.roundUp(y + 32)
        y = frameTop + 56 + 8 * spacing
        rail.height = y - rail.y
        place(.exposed)
        // The channel under the exposed row carries the flows between components.
        y += 40 + 10 * flows + 24 * spacing
        if !nodes(.clusterOnly).isEmpty {
            place(.clusterOnly)
            y += 40 + 16 * spacing
        }
        let frameBottom = Self.roundUp(y + 17 * graph.namespace.count)
        frame = DiagramRect(x: 16, y: frameTop, width: width - 32, height: frameBottom - frameTop)
        for (index, line) in graph.namespace.enumerated() {
            let baseline = frameBottom - 12 - 17 * (graph.namespace.count - 1 - index)
            captions.append(TextRun(line, x: frame.x + 12, baseline: baseline, size: 12, bold: index == 0))
        }
        y = frameBottom + 56 + 8 * spacing
        place(.backing)
        height = Self.roundUp(y + 24)

        var router = DiagramRouter(
            width: width, height: height, obstacles: boxes.map(\.rect), keepOut: captions.map(\.rect),
            walls: frameSides,
            rails: [rail])
        for edge in graph.edges {
            guard let source = box(edge.from)?.rect, let target = box(edge.to)?.rect else { continue }
            if let points = router.route(from: source, to: target) {
                routes.append(Route(edge: edge, points: points))
            } else {
                failures.append("no route from \(edge.from) to \(edge.to)")
                routes.append(
                    Route(
                        edge: edge,
                        points: [
                            DiagramPoint(x: source.centerX, y: source.maxY),
                            DiagramPoint(x: target.centerX, y: target.y),
                        ]))
            }
            // Placed at once, the label keeps every later edge away.
            if let label = placeLabel(routes.count - 1) { router.block(label.inflated(Self.lineClearance)) }
        }
    }

    /// The rectangle an edge's arrowhead covers at its end.
    static func arrowhead(_ points: [DiagramPoint]) -> DiagramRect? {
        guard points.count >= 2 else { return nil }
        let end = points[points.count - 1]
        let before = points[points.count - 2]
        let length = 12
        let half = 6
        if end.x == before.x {
            let top = end.y > before.y ? end.y - length : end.y
            return DiagramRect(x: end.x - half, y: top, width: 2 * half, height: length)
        }
        let left = end.x > before.x ? end.x - length : end.x
        return DiagramRect(x: left, y: end.y - half, width: length, height: 2 * half)
    }

    /// Whether a label rectangle is clear of boxes, captions, the frame, every edge (its own by at least
    /// `clearance`, others by `others`), arrowheads and the labels placed so far.
    func isFree(_ rect: DiagramRect, route index: Int, others: Int) -> Bool {
        let canvas = DiagramRect(x: 0, y: 0, width: width, height: height).inflated(-Self.clearance)
        guard canvas.contains(rect) else { return false }
        let near = rect.inflated(Self.clearance)
        if boxes.contains(where: { $0.rect.intersects(near) }) || captions.contains(where: { $0.rect.intersects(near) })
        {
            return false
        }
        if frameSides.contains(where: { $0.crosses(near) }) { return false }
        let far = rect.inflated(others)
        for (other, route) in routes.enumerated() {
            let zone = other == index ? near : far
            if diagramSegments(route.points).contains(where: { $0.crosses(zone) }) { return false }
            if let head = Self.arrowhead(route.points), head.intersects(near) { return false }
            if let label = route.label, label.rect.intersects(rect.inflated(2 * Self.clearance)) { return false }
        }
        return true
    }

    /// A label beside its edge: the first free place along its segments, above or below a horizontal
    /// piece, right or left of a vertical one, nearest the middle of the edge first. Returns the place.
    private mutating func placeLabel(_ index: Int) -> DiagramRect? {
        let text = routes[index].edge.label
        guard !text.isEmpty else { return nil }
        let labelWidth = DiagramText.width(text, size: Self.labelSize)
        let labelHeight = DiagramText.rect(text, x: 0, baseline: 0, size: Self.labelSize).height
        let segments = diagramSegments(routes[index].points)
        let middle = segments.map(\.length).reduce(0, +) / 2
        var candidates: [(score: Int, rect: DiagramRect)] = []
        var travelled = 0
        for segment in segments {
            let sign =
                segment.isHorizontal
                ? (segment.to.x > segment.from.x ? 1 : -1) : (segment.to.y > segment.from.y ? 1 : -1)
            for along in stride(from: 4, through: segment.length - 4, by: 4) {
                let score = abs(travelled + along - middle)
                if segment.isHorizontal {
                    let centerX = segment.from.x + sign * along
                    let x = centerX - labelWidth / 2
                    candidates.append(
                        (
                            2 * score,
                            DiagramRect(
                                x: x, y: segment.from.y - Self.labelOffset - labelHeight, width: labelWidth,
                                height: labelHeight)
                        ))
                    candidates.append(
                        (
                            2 * score + 1,
                            DiagramRect(
                                x: x, y: segment.from.y + Self.labelOffset, width: labelWidth, height: labelHeight)
                        ))
                } else {
                    let y = segment.from.y + sign * along - labelHeight / 2
                    candidates.append(
                        (
                            2 * score,
                            DiagramRect(
                                x: segment.from.x + Self.labelOffset, y: y, width: labelWidth, height: labelHeight)
                        ))
                    candidates.append(
                        (
                            2 * score + 1,
                            DiagramRect(
                                x: segment.from.x - Self.labelOffset - labelWidth, y: y, width: labelWidth,
                                height: labelHeight)
                        ))
                }
            }
            travelled += segment.length
        }
        // Stable: equal scores keep the order above.
        let ordered = candidates.enumerated().sorted { ($0.element.score, $0.offset) < ($1.element.score, $1.offset) }
            .map(\.element.rect)
        if let spot = ordered.first(where: { isFree($0, route: index, others: Self.lineClearance) }) {
            routes[index].label = TextRun(text, rect: spot, size: Self.labelSize)
            return spot
        }
        failures.append("no place for the label '\(text)' of \(routes[index].edge.from) to \(routes[index].edge.to)")
        if let first = ordered.first { routes[index].label = TextRun(text, rect: first, size: Self.labelSize) }
        return nil
    }
}
