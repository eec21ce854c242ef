/// Which class names work (`Names` in the probes), where the pilot lists alternative names
/// (`classes.synonyms`): zero-shot top-1 with the names as given (the zero-shot head) and with
/// the names chosen on the reference, reported on every labelled domain with the paired gain and
/// the classes whose name changed. Absent without a synonyms file, on unlabelled domains and in
/// results written before it.
package struct NamesResult: Codable, Sendable, Equatable {
    /// Alternative names tried, over all classes.
    package var alternatives: Int
    /// The names as given (the zero-shot head: equals `zero_shot.top1`).
    package var given: PromptAccuracy
    /// The names chosen on the reference; absent when the reference has no labels.
    package var chosen: NameChoice?

    package init(alternatives: Int, given: PromptAccuracy, chosen: NameChoice? = nil) {
        self.alternatives = alternatives
        self.given = given
        self.chosen = chosen
    }
}

/// The names chosen on the reference, on one domain.
package struct NameChoice: Codable, Sendable, Equatable {
    /// The classes whose chosen name is not the given one, in class-list order (the same classes
    /// on every domain); empty when no alternative beat the given names on the reference.
    package var changes: [NameChange]
    package var accuracy: PromptAccuracy
    /// `accuracy(chosen) − accuracy(given)` on this domain's images, with a paired percentile
    /// bootstrap interval (the same images resampled for both).
    package var gain: BootstrapDifference

    package init(changes: [NameChange], accuracy: PromptAccuracy, gain: BootstrapDifference) {
        self.changes = changes
        self.accuracy = accuracy
        self.gain = gain
    }
}

/// One class whose name changed, and its own images on one domain with either name.
package struct NameChange: Codable, Sendable, Equatable {
    /// Index in the pilot's class list.
    package var classIndex: Int
    package var given: String
    package var chosen: String
    /// This domain's images of the class, and how many of them each name gets right.
    package var count: Int
    package var givenCorrect: Int
    package var chosenCorrect: Int

    package init(classIndex: Int, given: String, chosen: String, count: Int, givenCorrect: Int, chosenCorrect: Int) {
        self.classIndex = classIndex
        self.given = given
        self.chosen = chosen
        self.count = count
        self.givenCorrect = givenCorrect
        self.chosenCorrect = chosenCorrect
    }

    enum CodingKeys: String, CodingKey {
        case classIndex = "class_index", given, chosen, count, givenCorrect = "given_correct", chosenCorrect = "chosen_correct"
    }
}
