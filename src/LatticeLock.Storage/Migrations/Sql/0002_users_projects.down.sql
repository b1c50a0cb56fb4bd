DROP TABLE project_errors;
DROP TABLE projects;
DROP TABLE users;
