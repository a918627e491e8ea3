    from mcp.server import MCPServer
