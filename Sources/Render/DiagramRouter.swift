/// Orthogonal edge routing on a grid: each edge leaves its source through a port on one of the box's
/// sides and enters its target through a port on a side, runs only horizontally and vertically, keeps
/// a margin around every box, never runs along another edge (it may cross one) and prefers few bends
/// and few crossings. Edges are routed one after another; the order and every tie are fixed, so the
/// result is deterministic.
struct DiagramRouter {
    static let step = 8
    /// Free space kept around every box; ports sit just outside it.
    static let margin = 11
    static let bendCost = 48
    static let crossingCost = 24
    static let nearbyCost = 3
    /// Leaving or entering a box on a side that does not face the other end.
    static let sideCost = 64

    let columns: Int
    let rows: Int
    private var blocked: [Bool]
    private var horizontal: [Bool]
    private var vertical: [Bool]
    private var upright: [Bool]

    /// A grid over `width` x `height`; `obstacles` are boxes (a margin is kept around them) and
    /// `keepOut` rectangles no edge may cross at all (captions); `walls` are lines edges may cross
    /// but not follow; in `rails` edges only run vertically.
    init(
        width: Int, height: Int, obstacles: [DiagramRect], keepOut: [DiagramRect], walls: [DiagramSegment],
        rails: [DiagramRect]
    ) {
        columns = width / Self.step + 1
        rows = height / Self.step + 1
        blocked = Array(repeating: false, count: columns * rows)
        horizontal = blocked
        vertical = blocked
        upright = blocked
        for row in 0..<rows {
            for column in 0..<columns {
                let x = column * Self.step
                let y = row * Self.step
                let edge = column == 0 || row == 0 || column == columns - 1 || row == rows - 1
                let inBox = obstacles.contains { $0.inflated(Self.margin).contains(x: x, y: y) }
                let inCaption = keepOut.contains { $0.inflated(Self.step / 2).contains(x: x, y: y) }
                upright[row * columns + column] = rails.contains { $0.contains(x: x, y: y) }
                if edge || inBox || inCaption || x > width - Self.step || y > height - Self.step {
                    blocked[row * columns + column] = true
                }
            }
        }
        for wall in walls {
            for cell in cells(along: wall) {
                if wall.isHorizontal { horizontal[cell] = true } else { vertical[cell] = true }
            }
        }
    }

    /// Keeps every later edge out of `rect` (a label placed beside an earlier edge).
    mutating func block(_ rect: DiagramRect) {
        for row in max(rect.y / Self.step, 0)...min(rect.maxY / Self.step + 1, rows - 1) {
            for column in max(rect.x / Self.step, 0)...min(rect.maxX / Self.step + 1, columns - 1)
            where rect.contains(x: column * Self.step, y: row * Self.step) {
                blocked[row * columns + column] = true
            }
        }
    }

    /// The grid cells a wall lies on (walls are drawn on grid lines).
    private func cells(along segment: DiagramSegment) -> [Int] {
        let (c1, r1) = (segment.from.x / Self.step, segment.from.y / Self.step)
        let (c2, r2) = (segment.to.x / Self.step, segment.to.y / Self.step)
        var found: [Int] = []
        for row in min(r1, r2)...max(r1, r2) where row >= 0 && row < rows {
            for column in min(c1, c2)...max(c1, c2) where column >= 0 && column < columns {
                found.append(row * columns + column)
            }
        }
        return found
    }

    /// Directions: right, down, left, up.
    private static let moves = [(1, 0), (0, 1), (-1, 0), (0, -1)]

    struct Port {
        var cell: Int
        /// The direction pointing away from the box.
        var outward: Int
        /// The point on the box's side the stub reaches.
        var anchor: DiagramPoint
        var cost: Int
    }

    /// The free grid points just outside the margin of `box`, on all four sides, away from its corners.
    /// Ports near the middle of a side cost less, and so do sides facing `other`, the far end.
    func ports(_ box: DiagramRect, toward other: DiagramRect) -> [Port] {
        let step = Self.step
        let inset = 14
        let outer = box.inflated(Self.margin)
        var found: [Port] = []
        func add(_ x: Int, _ y: Int, _ outward: Int, _ anchor: DiagramPoint, _ offset: Int) {
            let column = x / step
            let row = y / step
            guard column >= 0, column < columns, row >= 0, row < rows else { return }
            let cell = row * columns + column
            guard !blocked[cell], !horizontal[cell], !vertical[cell] else { return }
            let facing: Bool
            switch outward {
            case 0: facing = other.x >= box.maxX
            case 1: facing = other.y >= box.maxY
            case 2: facing = other.maxX <= box.x
            default: facing = other.maxY <= box.y
            }
            found.append(
                Port(cell: cell, outward: outward, anchor: anchor, cost: abs(offset) / 4 + (facing ? 0 : Self.sideCost))
            )
        }
        let top = (outer.y - 1) / step * step
        let bottom = (outer.maxY / step + 1) * step
        let left = (outer.x - 1) / step * step
        let right = (outer.maxX / step + 1) * step
        var x = (box.x + inset + step - 1) / step * step
        while x <= box.maxX - inset {
            add(x, top, 3, DiagramPoint(x: x, y: box.y), x - box.centerX)
            add(x, bottom, 1, DiagramPoint(x: x, y: box.maxY), x - box.centerX)
            x += step
        }
        var y = (box.y + inset + step - 1) / step * step
        while y <= box.maxY - inset {
            add(left, y, 2, DiagramPoint(x: box.x, y: y), y - box.centerY)
            add(right, y, 0, DiagramPoint(x: box.maxX, y: y), y - box.centerY)
            y += step
        }
        return found
    }

    /// The route from `source` to `target` as the corner points of a polyline, from a point on the
    /// source's side to a point on the target's side; nil when no route exists.
    mutating func route(from source: DiagramRect, to target: DiagramRect) -> [DiagramPoint]? {
        let starts = ports(source, toward: target)
        let goals = ports(target, toward: source)
        guard !starts.isEmpty, !goals.isEmpty else { return nil }
        let states = columns * rows * 4
        var cost = Array(repeating: Int.max, count: states + goals.count)
        var parent = Array(repeating: -1, count: states + goals.count)
        var goalAt: [Int: [Int]] = [:]
        for (index, goal) in goals.enumerated() { goalAt[goal.cell, default: []].append(index) }
        var heap = DiagramHeap()
        func estimate(_ cell: Int) -> Int {
            let x = cell % columns * Self.step
            let y = cell / columns * Self.step
            let outer = target.inflated(Self.margin)
            return max(outer.x - x, 0, x - outer.maxX) + max(outer.y - y, 0, y - outer.maxY)
        }
        for (index, start) in starts.enumerated() {
            let state = start.cell * 4 + start.outward
            if start.cost < cost[state] {
                cost[state] = start.cost
                parent[state] = -2 - index
                heap.push(start.cost + estimate(start.cell), state)
            }
        }
        var finish = -1
        while let (priority, state) = heap.pop() {
            if state >= states {
                finish = state
                break
            }
            let g = cost[state]
            let cell = state / 4
            if priority > g + estimate(cell) { continue }  // superseded by a cheaper way here
            let direction = state % 4
            if let indices = goalAt[cell] {
                for index in indices {
                    let goal = goals[index]
                    let inward = (goal.outward + 2) % 4
                    let total = g + goal.cost + (direction == inward ? 0 : Self.bendCost)
                    if total < cost[states + index] {
                        cost[states + index] = total
                        parent[states + index] = state
                        heap.push(total, states + index)
                    }
                }
            }
            let column = cell % columns
            let row = cell / columns
            for (turn, move) in Self.moves.enumerated() where turn != (direction + 2) % 4 {
                let nextColumn = column + move.0
                let nextRow = row + move.1
                guard nextColumn >= 0, nextColumn < columns, nextRow >= 0, nextRow < rows else { continue }
                let next = nextRow * columns + nextColumn
                guard !blocked[next] else { continue }
                let alongX = move.1 == 0
                if alongX, upright[next] || upright[cell] { continue }
                if alongX ? (horizontal[next] || horizontal[cell]) : (vertical[next] || vertical[cell]) { continue }
                var step = Self.step + (turn == direction ? 0 : Self.bendCost)
                if alongX ? vertical[next] : horizontal[next] { step += Self.crossingCost }
                if nearParallel(next, alongX: alongX) { step += Self.nearbyCost }
                let nextState = next * 4 + turn
                if g + step < cost[nextState] {
                    cost[nextState] = g + step
                    parent[nextState] = state
                    heap.push(g + step + estimate(next), nextState)
                }
            }
        }
        guard finish >= 0 else { return nil }
        let goal = goals[finish - states]
        var cells: [Int] = []
        var state = parent[finish]
        while state >= 0 {
            cells.append(state / 4)
            state = parent[state]
        }
        let start = starts[-2 - state]
        cells.reverse()
        claim(cells)
        var points = [start.anchor]
        for cell in cells {
            points.append(DiagramPoint(x: cell % columns * Self.step, y: cell / columns * Self.step))
        }
        points.append(goal.anchor)
        return Self.corners(points)
    }

    /// An edge's cells are taken: later edges may cross them but not run along them or turn on them.
    private mutating func claim(_ cells: [Int]) {
        for (index, cell) in cells.enumerated() {
            // A straight run through a cell leaves it crossable the other way; ends and bends are taken.
            var along = (horizontal: true, vertical: true)
            if index > 0, index < cells.count - 1 {
                let (before, after) = (cells[index - 1], cells[index + 1])
                if before / columns == cell / columns, cell / columns == after / columns { along.vertical = false }
                if before % columns == cell % columns, cell % columns == after % columns { along.horizontal = false }
            }
            if along.horizontal { horizontal[cell] = true }
            if along.vertical { vertical[cell] = true }
        }
    }

    private func nearParallel(_ cell: Int, alongX: Bool) -> Bool {
        let column = cell % columns
        let row = cell / columns
        let neighbours = alongX ? [(column, row - 1), (column, row + 1)] : [(column - 1, row), (column + 1, row)]
        return neighbours.contains { c, r in
            c >= 0 && c < columns && r >= 0 && r < rows
                && (alongX ? horizontal[r * columns + c] : vertical[r * columns + c])
        }
    }

    /// The polyline without its collinear middle points.
    static func corners(_ points: [DiagramPoint]) -> [DiagramPoint] {
        var result: [DiagramPoint] = []
        for point in points {
            if let last = result.last, last == point { continue }
            if result.count >= 2 {
                let a = result[result.count - 2]
                let b = result[result.count - 1]
                if (a.x == b.x && b.x == point.x) || (a.y == b.y && b.y == point.y) {
                    result[result.count - 1] = point
                    continue
                }
            }
            result.append(point)
        }
        return result
    }
}

/// A binary min-heap of (priority, state); equal priorities come out in insertion order.
struct DiagramHeap {
    private var items: [(priority: Int, order: Int, state: Int)] = []
    private var counter = 0

    private func less(_ a: Int, _ b: Int) -> Bool {
        (items[a].priority, items[a].order) < (items[b].priority, items[b].order)
    }

    mutating func push(_ priority: Int, _ state: Int) {
        items.append((priority, counter, state))
        counter += 1
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(child, parent) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (Int, Int)? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < items.count, less(left, smallest) { smallest = left }
                if right < items.count, less(right, smallest) { smallest = right }
                if smallest == parent { break }
                items.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return (first.priority, first.state)
    }
}
