/// Integer geometry of the architecture diagram: rectangles, orthogonal segments and the estimated
/// extent of text.
struct DiagramRect: Sendable, Hashable {
    var x: Int
    var y: Int
    var width: Int
    var height: Int

    var maxX: Int { x + width }
    var maxY: Int { y + height }
    var centerX: Int { x + width / 2 }
    var centerY: Int { y + height / 2 }

    /// Grown by `by` on every side (shrunk when negative).
    func inflated(_ by: Int) -> DiagramRect {
        DiagramRect(x: x - by, y: y - by, width: width + 2 * by, height: height + 2 * by)
    }

    /// Overlap with a positive area; rectangles that only touch do not intersect.
    func intersects(_ other: DiagramRect) -> Bool {
        x < other.maxX && other.x < maxX && y < other.maxY && other.y < maxY
    }

    func contains(_ other: DiagramRect) -> Bool {
        other.x >= x && other.maxX <= maxX && other.y >= y && other.maxY <= maxY
    }

    /// Strictly inside.
    func contains(x px: Int, y py: Int) -> Bool { px > x && px < maxX && py > y && py < maxY }
}

struct DiagramPoint: Sendable, Hashable {
    var x: Int
    var y: Int
}

/// A horizontal or vertical piece of an edge.
struct DiagramSegment: Sendable, Hashable {
    var from: DiagramPoint
    var to: DiagramPoint

    var isHorizontal: Bool { from.y == to.y }
    var length: Int { abs(to.x - from.x) + abs(to.y - from.y) }

    /// Whether some part of the segment lies strictly inside the rectangle.
    func crosses(_ rect: DiagramRect) -> Bool {
        let (lowX, highX) = (min(from.x, to.x), max(from.x, to.x))
        let (lowY, highY) = (min(from.y, to.y), max(from.y, to.y))
        if isHorizontal {
            return from.y > rect.y && from.y < rect.maxY && lowX < rect.maxX && highX > rect.x
        }
        return from.x > rect.x && from.x < rect.maxX && lowY < rect.maxY && highY > rect.y
    }
}

/// The segments between consecutive points of an orthogonal polyline.
func diagramSegments(_ points: [DiagramPoint]) -> [DiagramSegment] {
    zip(points, points.dropFirst()).map { DiagramSegment(from: $0, to: $1) }
}

/// Estimated text extent. Nothing measures glyphs here, so widths are generous: 0.62 em a character
/// for regular text and 0.66 em for bold (Helvetica and Arial stay near 0.56 em for digits and
/// lowercase), 1 em above the baseline and 0.25 em below it.
enum DiagramText {
    static func width(_ text: String, size: Int, bold: Bool = false) -> Int {
        let em = bold ? 0.66 : 0.62
        return Int((Double(text.count) * Double(size) * em).rounded(.up))
    }

    /// The rectangle a left-anchored text run occupies, from its baseline.
    static func rect(_ text: String, x: Int, baseline: Int, size: Int, bold: Bool = false) -> DiagramRect {
        DiagramRect(
            x: x, y: baseline - size, width: width(text, size: size, bold: bold),
            height: size + Int((Double(size) * 0.25).rounded(.up)))
    }
}
