"""Every AWS limit and fixed value of the Rekognition API that this mock enforces or reports.

Constraints that botocore's service model states (lengths, patterns, ranges, enums) are
read from the model by ``validation``; this module holds the ones the model does not carry,
each from AWS's documentation.
"""

FACE_MODEL_VERSION = "7.0"  # FaceModelVersion / IndexFacesModelVersion of new collections

MAX_S3_IMAGE_BYTES = 15 * 1024 * 1024  # an image stored in S3
MIN_IMAGE_SIDE = 80  # images smaller than 80 px on a side are refused
MAX_IMAGE_SIDE = 10000  # images larger than 10,000 px on a side are refused

MAX_FACES = 100  # DetectFaces reports the 100 largest faces; CompareFaces compares 100; IndexFaces indexes 100
DEFAULT_PAGE = 1000  # ListCollections / ListFaces page size without MaxResults
MAX_SEARCH_RESULTS = 4096  # SearchFaces / SearchFacesByImage without MaxFaces

DEFAULT_SIMILARITY_THRESHOLD = 80.0  # CompareFaces SimilarityThreshold, search FaceMatchThreshold

MAX_JSON_DEPTH = 32  # deeper request bodies are refused as unparseable (Rekognition's inputs nest 5 deep)
MAX_REQUEST_BYTES = 16 * 1024 * 1024  # a Rekognition request body: two base64 images of 5 MB and their JSON

MAX_FACES_PER_USER = 100  # AssociateFaces: a user holds at most 100 faces (then ServiceQuotaExceededException)
DEFAULT_ASSOCIATE_THRESHOLD = 75.0  # AssociateFaces UserMatchThreshold
DEFAULT_USER_SEARCH_THRESHOLD = 80.0  # SearchUsers / SearchUsersByImage UserMatchThreshold
# AWS documents no default for these two; the mock uses the model's maximum (500).
DEFAULT_USER_PAGE = 500  # ListUsers without MaxResults
DEFAULT_MAX_USERS = 500  # SearchUsers / SearchUsersByImage without MaxUsers

LABEL_MODEL_VERSION = "3.0"  # DetectLabels LabelModelVersion
MODERATION_MODEL_VERSION = "7.0"  # DetectModerationLabels ModerationModelVersion
DEFAULT_LABEL_MIN_CONFIDENCE = 55.0  # DetectLabels MinConfidence (the current API reference; older ones said 50)
DEFAULT_MODERATION_MIN_CONFIDENCE = 50.0  # DetectModerationLabels MinConfidence
MAX_LABELS = 1000  # DetectLabels MaxLabels: its default and its upper limit
DEFAULT_MAX_DOMINANT_COLORS = 10  # Settings.ImageProperties.MaxDominantColors
MAX_CELEBRITY_FACES = 64  # RecognizeCelebrities answers for the 64 largest faces (the API reference)
# AWS publishes no threshold for RecognizeCelebrities; a face is a registered celebrity from
# Rekognition's default face-match threshold up (CompareFaces, SearchFaces).
CELEBRITY_MATCH_THRESHOLD = DEFAULT_SIMILARITY_THRESHOLD

# Rekognition Video (stored videos)
MAX_VIDEO_BYTES = 10 * 1024 ** 3  # an S3 video over 10 GB: VideoTooLargeException
VIDEO_PAGE = 1000  # Get* MaxResults: its default and its largest value (more is answered with 1000)
VIDEO_CONTAINERS = ("mov,mp4,m4a,3gp,3g2,mj2", "avi")  # FFmpeg's demuxers of .mp4/.mov and .avi (API_Video)
VIDEO_CODECS = ("h264",)  # "H.264 encoded video files"
UNSUPPORTED_VIDEO = "Unsupported codec/format."  # StatusMessage of a job whose video cannot be analysed
DEFAULT_VIDEO_LABEL_MIN_CONFIDENCE = 50.0  # StartLabelDetection MinConfidence
SEGMENT_MODEL_VERSIONS = {"TECHNICAL_CUE": "2.0", "SHOT": "1.0"}  # SelectedSegmentTypes' ModelVersion
DEFAULT_BLACK_PIXEL_THRESHOLD = 0.2  # BlackFrame.MaxPixelThreshold
DEFAULT_BLACK_COVERAGE = 99.0  # BlackFrame.MinCoveragePercentage
DEFAULT_MIN_SEGMENT_CONFIDENCE = 50.0  # MinSegmentConfidence of both filters
TEXT_MODEL_VERSION = "3.0"  # GetTextDetection TextModelVersion
