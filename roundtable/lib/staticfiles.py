from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's hashed, compressed storage, except that before anything has been
    collected (no manifest: development and tests) pages link the plain file names, served by
    WhiteNoise from the source folders, instead of failing on a missing manifest entry."""

    def stored_name(self, name):
        if not self.hashed_files:
            return name
        return super().stored_name(name)
