/// Pilot — the pilot spec (JSON), dataset discovery (ImageFolder, CSV manifest,
/// unlabeled folders), class names and prompt templates.
