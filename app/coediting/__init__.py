"""Co-editing of plan sections: diffs between revisions and three-way merges of concurrent saves."""
