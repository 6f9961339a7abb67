import Foundation

/// How the learning rate changes over the steps of one training run, as PyTorch's schedulers do.
///
/// The rate is a function of the step's position in the run alone, so a schedule adds no state to
/// checkpoints; a run continued from a checkpoint starts its own schedule again.
public enum LearningRateSchedule: String, CaseIterable, Sendable, Codable {
    /// The base rate at every step.
    case constant
    /// Cosine annealing from the base rate down towards zero over the run (PyTorch's
    /// `CosineAnnealingLR` with `T_max` = the run's steps and `eta_min` = 0): large steps early to make
    /// progress, small ones late to settle into a minimum instead of bouncing around it.
    case cosine

    /// The rate for the step at 0-based `index` of a run of `steps` steps.
    public func rate(base: Float, index: Int, of steps: Int) -> Float {
        switch self {
        case .constant:
            return base
        case .cosine:
            guard steps > 0 else { return base }
            // Computed in Double so rounding in cos can not reach the Float the step uses.
            let progress = Double(index) / Double(steps)
            return Float(Double(base) * 0.5 * (1 + cos(Double.pi * progress)))
        }
    }
}
