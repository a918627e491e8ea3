from databases import Database
