//! The only module that talks to git: staged entries, blobs, trees and changed paths.
