import ArgumentParser
import Assets
import Dataset
import Exporters
import FileSafety
import Foundation
import Geometry
import Ingest
import Pipeline
import Reconstruction
import Surface

struct EvalMesh: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-mesh",
        abstract: "Compare a mesh with a ground-truth mesh: Chamfer-L1, F-score and normal consistency; and say whether the mesh is closed.",
        discussion: """
        Both surfaces are sampled uniformly by area; Chamfer-L1 is the mean of the two directions' mean nearest-neighbour \
        distances, divided by the ground truth's bounding-box diagonal; the F-score counts samples within --fraction of that \
        diagonal; normal consistency is the mean |n·n'| of the facet normals of sample pairs closer than that, over both \
        directions (1 for identical surfaces; dents and staircases lower it). The mesh is closed when every edge lies in exactly \
        two triangles (vertices at one position welded first, so texture seams do not count). .glb, .gltf and .obj files are read +Y up and .ply files +Z up, as orbit export writes them.
        """)

    @Argument(help: "The mesh to evaluate (e.g. from orbit export).")
    var predicted: String

    @Argument(help: "The ground truth (e.g. ground_truth.ply from orbit generate).")
    var groundTruth: String

    @Option(help: "Compare only inside this box, xmin,ymin,zmin,xmax,ymax,zmax (e.g. the reconstruction's bounds).")
    var bounds: String?

    @Option(help: "Surface samples on each mesh. Default 200000.")
    var samples = 200_000

    @Option(help: "F-score distance as a fraction of the ground truth's diagonal. Default 0.01.")
    var fraction = 0.01

    @Option(help: "Also write the figures to this JSON file (refused if it exists, unless --overwrite).")
    var json: String?

    @Flag(help: "Replace an existing --json file.")
    var overwrite = false

    @OptionGroup var safety: SafetyOptions

    func validate() throws {
        if samples < 1000 || samples > 10_000_000 { throw ValidationError("--samples: expected 1000...10000000, got \(samples)") }
        if !(fraction > 0 && fraction < 1) { throw ValidationError("--fraction: expected a value in (0, 1), got \(fraction)") }
        if let bounds { _ = try parseBounds(bounds, option: "--bounds") }
    }

    func run() throws {
        safety.apply()
        do {
            // the destination is checked before the (long) comparison, and locked while written
            if let json {
                try OutputPolicy.check(output: json, inputs: [predicted, groundTruth])
                try StagedFiles.check([URL(fileURLWithPath: json)], overwrite: overwrite)
            }
            let (result, topology) = try compare()
            print(result.line + "; the mesh is " + topology.summary)
            if let json {
                let url = URL(fileURLWithPath: json)
                let document = JSONOutput.object(result.json + topology.json)
                try StagedFiles.write([url], overwrite: overwrite) { staging in
                    try Data((document.rendered() + "\n").utf8).write(to: staging.appendingPathComponent(url.lastPathComponent))
                }
            }
        } catch { fail(error) }
    }

    func compare() throws -> (SurfaceComparison, MeshTopology) {
        let p = try loadMeshForMetrics(predicted), g = try loadMeshForMetrics(groundTruth)
        let crop = try bounds.map { try parseBounds($0, option: "--bounds") }
        guard let result = SurfaceComparison.compare(predicted: p, groundTruth: g, samples: samples, thresholdFraction: fraction, crop: crop) else {
            throw ExtractionError(.nothingToCompare(cropped: crop != nil))
        }
        return (result, MeshTopology(p))
    }
}

func loadMeshForMetrics(_ path: String) throws -> TriangleMesh { try FieldExport.loadForMetrics(URL(fileURLWithPath: path)) }

extension MeshTopology {
    var json: [(String, JSONOutput)] {
        [("closed", .bool(isClosed)), ("boundary_edges", .integer(boundaryEdges)), ("nonmanifold_edges", .integer(nonManifoldEdges)),
         ("pieces", .integer(pieces))]
    }
}

extension SurfaceComparison {
    var line: String {
        String(format: "orbit: Chamfer-L1 %.5f of the diagonal (accuracy %.4f m, completeness %.4f m); F-score@%.3g %.4f (precision %.4f, recall %.4f); normal consistency %.4f (predicted → truth %.4f); diagonal %.3f m, %d samples",
               chamferL1, accuracy, completeness, threshold / diagonal, fScore, precision, recall, normalConsistency, normalAccuracy, diagonal, samples)
    }
    var json: [(String, JSONOutput)] {
        [("chamfer_l1", .number(chamferL1)), ("accuracy_m", .number(accuracy)), ("completeness_m", .number(completeness)),
                 ("f_score", .number(fScore)), ("precision", .number(precision)), ("recall", .number(recall)),
                 ("normal_consistency", .number(normalConsistency)), ("normal_accuracy", .number(normalAccuracy)),
                 ("threshold_m", .number(threshold)), ("diagonal_m", .number(diagonal)), ("samples", .integer(samples))]
    }
}
