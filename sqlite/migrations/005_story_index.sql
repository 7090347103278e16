-- A story's releases (Query.StoryID), newest first.
CREATE INDEX releases_story ON releases (story_id, published DESC, id DESC);
